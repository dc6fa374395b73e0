/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Credentials from swanctl's directory layout: beside the configuration
 * file (or in --swanctl-dir), x509/ (our own and peers' end-entity
 * certificates), x509ca/ (CA certificates; the self-signed ones are trust
 * anchors), x509crl/ (CRLs), private/, rsa/, ecdsa/, pkcs8/ (private keys),
 * each file PEM or DER. Encrypted keys are unlocked by the configuration's
 * secrets.private-NAME { file = ...; secret = ... } (also rsa-, ecdsa-,
 * pkcs8-), whose file is relative to its directory or absolute.
 *
 * Loaded once, at start and at reload, into an ike_creds for the engine.
 */
#ifndef CONDUIT_DAEMON_CREDS_H
#define CONDUIT_DAEMON_CREDS_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct ike_creds;

/* One problem: where ("DIR/x509/moon.pem", or "FILE:LINE" of a secret)
 * and what. Every problem is an error for conduitd --check. */
typedef void (*creds_problem_fn)(void *ctx, const char *where, const char *msg);

/*
 * Load dir's credentials (a missing subdirectory is nothing to load),
 * with conf's key secrets (conf may be NULL), finished at wall_time.
 * Each problem goes to fn (may be NULL) and is counted in *n_problems:
 * a file that cannot be read or parsed, an encrypted key without its
 * secret or with a wrong one, a secret whose file is not there, a key
 * matching no certificate, our certificate outside its validity, a CRL
 * not signed by its issuer. Sources in the set are the files' paths
 * (dir/x509/moon.pem). NULL only when out of memory.
 */
struct ike_creds *creds_load(const char *dir, const struct conf *conf, int64_t wall_time,
			     creds_problem_fn fn, void *ctx, size_t *n_problems);

/* The directory holding path ("." for a bare file name), in buf. */
const char *creds_default_dir(const char *config_path, char *buf, size_t size);

#endif
