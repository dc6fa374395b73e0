/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the files of dcfg (dcfg.c, dcfg_auth.c, dcfg_psk.c); not for
 * its users. */
#ifndef CONDUIT_DCFG_INTERNAL_H
#define CONDUIT_DCFG_INTERNAL_H

#include "daemon/dcfg.h"

/* One more error of the conversion (out->errors); the first one's rc is
 * what dcfg_conn_convert returns. */
int dcfg_add_err(struct dcfg_conn *out, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "FILE:LINE: ", "FILE: " or "" for an error's place. */
const char *dcfg_locstr(const struct conf_loc *loc, char *buf, size_t len);
/* The configuration holds const pointers; dcfg_conn keeps references. */
struct ike_cert *dcfg_unconst_cert(const struct ike_cert *c);
/* A connection's local and remote authentication (dcfg_auth.c): 0, or a
 * negative errno with the error recorded in out. */
int dcfg_conv_local_auth(const struct conf_conn *cc, const struct dcfg_creds *cr,
			 struct dcfg_conn *out);
int dcfg_conv_remote_auth(const struct conf_conn *cc, const struct dcfg_creds *cr,
			  struct dcfg_conn *out);

#endif
