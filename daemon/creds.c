/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Loading swanctl's credential directories (see creds.h). */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf/conf.h"
#include "daemon/creds.h"
#include "ike/cert.h"

/* No credential file is anywhere near this; a bound on what is read. */
#define CREDS_MAX_FILE (1u << 20)

enum sub_kind { SUB_CA, SUB_EE, SUB_CRL, SUB_KEY };

static const struct {
	const char *name;
	enum sub_kind kind;
	int key_kind; /* enum conf_key_kind, SUB_KEY only */
} subdirs[] = {
	{ "x509ca", SUB_CA, 0 },
	{ "x509", SUB_EE, 0 },
	{ "x509crl", SUB_CRL, 0 },
	{ "private", SUB_KEY, CONF_KEY_PRIVATE },
	{ "rsa", SUB_KEY, CONF_KEY_RSA },
	{ "ecdsa", SUB_KEY, CONF_KEY_ECDSA },
	{ "pkcs8", SUB_KEY, CONF_KEY_PKCS8 },
};

#define N_SUBDIRS (sizeof(subdirs) / sizeof(subdirs[0]))

static const char *key_dir(enum conf_key_kind kind)
{
	for (size_t s = 0; s < N_SUBDIRS; s++)
		if (subdirs[s].kind == SUB_KEY && subdirs[s].key_kind == (int)kind)
			return subdirs[s].name;
	return "private";
}

struct loader {
	creds_problem_fn fn;
	void *ctx;
	size_t n;
};

static void problem(struct loader *l, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct loader *l, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	l->n++;
	if (!l->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	l->fn(l->ctx, where, msg);
}

static void on_set_problem(void *ctx, const char *source, const char *msg)
{
	problem(ctx, source, "%s", msg);
}

/* The whole file, or NULL with errno set. The buffer may hold a private
 * key: the caller wipes it. */
static uint8_t *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int e;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (!S_ISREG(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > CREDS_MAX_FILE) {
		errno = st.st_size <= 0 ? ENODATA : EFBIG;
		goto fail;
	}
	buf = malloc((size_t)st.st_size);
	if (!buf)
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO; /* shrank while read */
			goto fail;
		}
		got += (size_t)r;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	e = errno;
	if (buf) {
		OPENSSL_cleanse(buf, got);
		free(buf);
	}
	close(fd);
	errno = e;
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular entries of a directory, sorted (the order files are loaded
 * in, and so which certificate of two is "first", does not depend on the
 * file system). NULL with *n 0 when there is no such directory. */
static char **list_dir(const char *path, size_t *n, int *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	*err = 0;
	if (!d) {
		*err = errno == ENOENT ? 0 : errno;
		return NULL;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (*n == cap) {
			char **p = realloc(names, (cap ? cap * 2 : 16) * sizeof(*names));

			if (!p)
				break;
			names = p;
			cap = cap ? cap * 2 : 16;
		}
		if (!(names[*n] = strdup(de->d_name)))
			break;
		(*n)++;
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

/* The key secret for dir/sub/name, if the configuration has one (as
 * swanctl: of the directory's kind, its file the name or the path); *idx
 * is its place in the list. */
static const struct conf_key_secret *find_secret(const struct conf *conf, int key_kind,
						 const char *name, const char *path, size_t *idx)
{
	const struct conf_key_secret *ks;

	*idx = 0;
	if (!conf)
		return NULL;
	TAILQ_FOREACH (ks, &conf->key_secrets, entry) {
		if ((int)ks->kind == key_kind &&
		    (strcmp(ks->file, name) == 0 || strcmp(ks->file, path) == 0))
			return ks;
		(*idx)++;
	}
	return NULL;
}

static void load_one(struct loader *l, struct ike_creds *cs, const struct conf *conf, size_t sub,
		     const char *name, const char *path, bool *secret_used, size_t n_secrets)
{
	const struct conf_key_secret *ks = NULL;
	const char *err = "?";
	uint8_t *data;
	size_t len = 0;
	int rc = 0;

	data = read_file(path, &len);
	if (!data) {
		problem(l, path, "cannot read: %s", strerror(errno));
		return;
	}
	switch (subdirs[sub].kind) {
	case SUB_CA:
	case SUB_EE:
		rc = ike_creds_add_cert(
		    cs, subdirs[sub].kind == SUB_CA ? IKE_CERT_KIND_CA : IKE_CERT_KIND_EE, data,
		    len, path, &err);
		if (rc == -EEXIST)
			rc = 0; /* the same certificate twice: harmless */
		break;
	case SUB_CRL:
		rc = ike_creds_add_crl(cs, data, len, path, &err);
		break;
	case SUB_KEY: {
		size_t idx;

		ks = find_secret(conf, subdirs[sub].key_kind, name, path, &idx);
		if (ks && idx < n_secrets)
			secret_used[idx] = true;
		rc = ike_creds_add_key(cs, data, len, ks ? ks->secret : NULL, path, &err);
		break;
	}
	}
	OPENSSL_cleanse(data, len);
	free(data);
	if (rc == 0)
		return;
	if (rc == -EACCES && ks)
		problem(l, path, "%s (secret '%s' at %s:%u)", err, ks->name, ks->loc.file,
			ks->loc.line);
	else if (rc == -EACCES)
		problem(l, path, "%s: add secrets.%s-NAME { file = %s; secret = ... }", err,
			subdirs[sub].name, name);
	else
		problem(l, path, "%s", err);
}

struct ike_creds *creds_load(const char *dir, const struct conf *conf, int64_t wall_time,
			     creds_problem_fn fn, void *ctx, size_t *n_problems)
{
	struct loader l = { .fn = fn, .ctx = ctx };
	struct ike_creds *cs = ike_creds_new();
	size_t n_secrets = conf ? conf->n_key_secrets : 0;
	bool *used = calloc(n_secrets ? n_secrets : 1, sizeof(*used));
	char path[4096], sdir[4096];
	int r;

	if (!cs || !used) {
		free(used);
		ike_creds_unref(cs);
		return NULL;
	}
	for (size_t s = 0; s < N_SUBDIRS; s++) {
		size_t n = 0;
		int err;
		char **names;

		snprintf(sdir, sizeof(sdir), "%s/%s", dir, subdirs[s].name);
		names = list_dir(sdir, &n, &err);
		if (err)
			problem(&l, sdir, "cannot read the directory: %s", strerror(err));
		for (size_t i = 0; i < n; i++) {
			struct stat st;

			/* subdirectories are skipped, as swanctl does */
			if (snprintf(path, sizeof(path), "%s/%s", sdir, names[i]) <
				(int)sizeof(path) &&
			    (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)))
				load_one(&l, cs, conf, s, names[i], path, used, n_secrets);
			free(names[i]);
		}
		free(names);
	}
	/* A secret for a key that is not there: a missing file. */
	if (conf) {
		const struct conf_key_secret *ks;
		size_t i = 0;
		char where[4096];

		TAILQ_FOREACH (ks, &conf->key_secrets, entry) {
			if (i < n_secrets && !used[i]) {
				snprintf(where, sizeof(where), "%s:%u", ks->loc.file, ks->loc.line);
				problem(&l, where, "secret '%s': no key file '%s' in %s/%s/",
					ks->name, ks->file, dir, key_dir(ks->kind));
			}
			i++;
		}
	}
	free(used);
	r = ike_creds_finish(cs, wall_time, on_set_problem, &l);
	if (r < 0) {
		ike_creds_unref(cs);
		return NULL;
	}
	if (n_problems)
		*n_problems = l.n;
	return cs;
}

const char *creds_default_dir(const char *config_path, char *buf, size_t size)
{
	const char *slash = strrchr(config_path, '/');

	if (!slash)
		snprintf(buf, size, ".");
	else if (slash == config_path)
		snprintf(buf, size, "/");
	else
		snprintf(buf, size, "%.*s", (int)(slash - config_path), config_path);
	return buf;
}
