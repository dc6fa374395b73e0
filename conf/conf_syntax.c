// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The strongswan.conf(5) syntax that swanctl.conf uses, read the way
 * strongSwan's settings lexer and parser read it:
 *
 *   name { ... }                 a section; the brace may follow on a later line
 *   name : a.b, c { ... }        a section that inherits from others (5.7.0+)
 *   key = value                  a value runs to the end of the line, '#' or '}';
 *                                its words are joined by one space
 *   key = "a \"quoted\"\tvalue"  quoted parts keep their blanks; \n \r \t escapes,
 *                                backslash-newline continues, \x is x
 *   include pattern              glob(3), relative to the including file
 *   # comment
 *
 * Names are runs of anything but blanks and # { } : . , = ". A section
 * repeated in the same parent is merged into the first, and a repeated key's
 * last value wins, as in strongSwan (the latter with a warning).
 *
 * Differences, all on input strongSwan handles badly or silently: a NUL byte,
 * an over-long value, sections deeper than CONF_MAX_DEPTH, include cycles and
 * an included file whose braces do not balance are errors. So are a file
 * that is not a regular file (a FIFO would hang the load, a device never
 * end) and, per load, more than CONF_MAX_INCLUDED_FILES files read through
 * includes or CONF_MAX_TOTAL_SIZE octets read in all: an include bomb (each
 * file including the next twice) is one error at the include that crossed
 * the line, and no include after it is read.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "conf/conf_internal.h"

/* The bounded reader: every byte of a file is read through it. */
struct cursor {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned int line;
};

static int cur_peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->buf[c->pos] : -1;
}

static int cur_next(struct cursor *c)
{
	int ch = cur_peek(c);

	if (ch < 0)
		return -1;
	c->pos++;
	if (ch == '\n')
		c->line++;
	return ch;
}

/* A growing string with the value length limit. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool too_long;
};

static int sbuf_add(struct sbuf *b, char ch)
{
	if (b->len + 1 >= CONF_MAX_VALUE_LEN) {
		b->too_long = true;
		return 0;
	}
	if (b->len + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char *s = malloc(cap);

		if (!s)
			return -ENOMEM;
		if (b->s) {
			memcpy(s, b->s, b->len);
			/* values may be secrets: never leave a copy behind */
			OPENSSL_cleanse(b->s, b->cap);
			free(b->s);
		}
		b->s = s;
		b->cap = cap;
	}
	b->s[b->len++] = ch;
	b->s[b->len] = '\0';
	return 0;
}

static void sbuf_wipe(struct sbuf *b)
{
	if (b->s) {
		OPENSSL_cleanse(b->s, b->cap);
		free(b->s);
	}
	memset(b, 0, sizeof(*b));
}

/* Included files currently open, for cycle detection. */
struct inc_frame {
	const struct inc_frame *up;
	const char *realpath; /* NULL for text that is not a file */
};

struct parser {
	struct conf_ctx *ctx;
	struct cursor cur;
	const char *file; /* interned */
	const struct inc_frame *frame;
	unsigned int include_depth;
	bool fatal; /* stop reading this file */
};

static bool is_name_char(int ch)
{
	return ch > 0 && !strchr("#{}:.,=\"\r\n\t ", ch);
}

static struct conf_loc here(const struct parser *p)
{
	return (struct conf_loc){ .file = p->file, .line = p->cur.line };
}

static void oom(struct parser *p)
{
	p->ctx->oom = 1;
	p->fatal = true;
}

const char *conf_ctx_add_file(struct conf_ctx *ctx, const char *name)
{
	char **files;
	char *copy;

	for (size_t i = 0; i < ctx->n_files; i++)
		if (strcmp(ctx->files[i], name) == 0)
			return ctx->files[i];
	copy = strdup(name);
	files = copy ? realloc(ctx->files, (ctx->n_files + 1) * sizeof(*files)) : NULL;
	if (!files) {
		free(copy);
		ctx->oom = 1;
		return NULL;
	}
	ctx->files = files;
	ctx->files[ctx->n_files++] = copy;
	return copy;
}

struct conf_section *conf_section_new(const char *name, const struct conf_loc *loc)
{
	struct conf_section *sec = calloc(1, sizeof(*sec));

	if (!sec)
		return NULL;
	if (name) {
		sec->name = strdup(name);
		if (!sec->name) {
			free(sec);
			return NULL;
		}
	}
	if (loc)
		sec->loc = *loc;
	TAILQ_INIT(&sec->kvs);
	TAILQ_INIT(&sec->sections);
	return sec;
}

static void wipe_str(char *s)
{
	if (s) {
		OPENSSL_cleanse(s, strlen(s));
		free(s);
	}
}

void conf_section_free(struct conf_section *sec)
{
	struct conf_kv *kv;
	struct conf_section *sub;

	if (!sec)
		return;
	while ((kv = TAILQ_FIRST(&sec->kvs))) {
		TAILQ_REMOVE(&sec->kvs, kv, entry);
		free(kv->key);
		wipe_str(kv->value);
		free(kv);
	}
	HASH_CLEAR(hh, sec->by_name);
	while ((sub = TAILQ_FIRST(&sec->sections))) {
		TAILQ_REMOVE(&sec->sections, sub, entry);
		conf_section_free(sub);
	}
	for (size_t i = 0; i < sec->n_refs; i++)
		free(sec->refs[i].path);
	free(sec->refs);
	free(sec->name);
	free(sec);
}

char *conf_section_path(const struct conf_section *sec)
{
	size_t len = 0;
	char *s;

	for (const struct conf_section *s2 = sec; s2 && s2->name; s2 = s2->parent)
		len += strlen(s2->name) + 1;
	s = malloc(len + 1);
	if (!s)
		return NULL;
	s[len] = '\0';
	if (len)
		s[--len] = '\0';
	for (const struct conf_section *s2 = sec; s2 && s2->name; s2 = s2->parent) {
		size_t n = strlen(s2->name);

		len -= n;
		memcpy(s + len, s2->name, n);
		if (len)
			s[--len] = '.';
	}
	return s;
}

static struct conf_section *find_sub(struct conf_section *sec, const char *name)
{
	struct conf_section *sub;

	HASH_FIND_STR(sec->by_name, name, sub);
	return sub;
}

/* Append sub to sec's subsections (and to its index, unless a section of
 * that name is there already: find_sub finds the first, as before). */
static void add_sub(struct conf_section *sec, struct conf_section *sub)
{
	TAILQ_INSERT_TAIL(&sec->sections, sub, entry);
	if (!find_sub(sec, sub->name))
		HASH_ADD_KEYPTR(hh, sec->by_name, sub->name, strlen(sub->name), sub);
}

static struct conf_kv *find_kv(struct conf_section *sec, const char *key)
{
	struct conf_kv *kv;

	TAILQ_FOREACH (kv, &sec->kvs, entry)
		if (strcmp(kv->key, key) == 0)
			return kv;
	return NULL;
}

/* Blanks, newlines and comments between statements. */
static void skip_blank(struct parser *p)
{
	int ch;

	while ((ch = cur_peek(&p->cur)) >= 0) {
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') {
			cur_next(&p->cur);
		} else if (ch == '#') {
			while ((ch = cur_peek(&p->cur)) >= 0 && ch != '\n')
				cur_next(&p->cur);
		} else {
			break;
		}
	}
}

static void skip_spaces(struct parser *p)
{
	int ch;

	while ((ch = cur_peek(&p->cur)) == ' ' || ch == '\t' || ch == '\r')
		cur_next(&p->cur);
}

static void skip_line(struct parser *p)
{
	int ch;

	while ((ch = cur_peek(&p->cur)) >= 0 && ch != '\n')
		cur_next(&p->cur);
}

/* After the opening quote; appends to b. */
static int read_quoted(struct parser *p, struct sbuf *b)
{
	struct conf_loc start = here(p);
	int ch, r = 0;

	for (;;) {
		ch = cur_next(&p->cur);
		if (ch < 0)
			break;
		if (ch == '"')
			return 0;
		if (ch == '\r')
			continue;
		if (ch == '\\') {
			ch = cur_next(&p->cur);
			if (ch < 0)
				break;
			switch (ch) {
			case 'n':
				r = sbuf_add(b, '\n');
				break;
			case 'r':
				r = sbuf_add(b, '\r');
				break;
			case 't':
				r = sbuf_add(b, '\t');
				break;
			case '\n':
				break;
			case '\r':
				if (cur_peek(&p->cur) == '\n')
					cur_next(&p->cur);
				else
					r = sbuf_add(b, '\r');
				break;
			default:
				r = sbuf_add(b, (char)ch);
			}
		} else {
			r = sbuf_add(b, (char)ch);
		}
		if (r < 0) {
			oom(p);
			return r;
		}
	}
	conf_err(p->ctx, &start, "unterminated quoted string");
	p->fatal = true;
	return -EINVAL;
}

/* After '=': words and quoted strings up to the end of the line, '#' or '}'.
 * *out is NULL when there is nothing. */
static int read_value(struct parser *p, char **out)
{
	struct conf_loc start = here(p);
	struct sbuf b = { 0 };
	bool first = true;
	int ch;

	*out = NULL;
	for (;;) {
		skip_spaces(p);
		ch = cur_peek(&p->cur);
		if (ch < 0 || ch == '\n' || ch == '#' || ch == '}')
			break;
		if (!first && sbuf_add(&b, ' ') < 0)
			goto nomem;
		first = false;
		if (ch == '"') {
			cur_next(&p->cur);
			if (read_quoted(p, &b) < 0) {
				sbuf_wipe(&b);
				return -EINVAL;
			}
			continue;
		}
		while ((ch = cur_peek(&p->cur)) >= 0 && !strchr("#}\"\r\n\t ", ch)) {
			if (sbuf_add(&b, (char)cur_next(&p->cur)) < 0)
				goto nomem;
		}
	}
	if (b.too_long) {
		conf_err(p->ctx, &start, "value longer than %u bytes", CONF_MAX_VALUE_LEN - 1);
		sbuf_wipe(&b);
		return -EINVAL;
	}
	if (!first && !b.s) {
		/* only an empty quoted string: the value is "" */
		b.s = strdup("");
		if (!b.s)
			goto nomem;
	}
	*out = b.s;
	return 0;
nomem:
	sbuf_wipe(&b);
	oom(p);
	return -ENOMEM;
}

static int read_name(struct parser *p, struct sbuf *b, bool dots)
{
	int ch;

	while ((ch = cur_peek(&p->cur)) >= 0 && (is_name_char(ch) || (dots && ch == '.'))) {
		if (sbuf_add(b, (char)cur_next(&p->cur)) < 0) {
			oom(p);
			return -ENOMEM;
		}
	}
	if (b->too_long) {
		struct conf_loc loc = here(p);

		conf_err(p->ctx, &loc, "name longer than %u bytes", CONF_MAX_VALUE_LEN - 1);
		return -EINVAL;
	}
	return 0;
}

static void add_kv(struct parser *p, struct conf_section *sec, char *key, char *value,
		   const struct conf_loc *loc)
{
	struct conf_kv *kv = find_kv(sec, key);

	if (kv) {
		conf_warn(p->ctx, loc,
			  "'%s' is set again (first at %s:%u): the last value is used, as in "
			  "strongSwan",
			  key, kv->loc.file, kv->loc.line);
		free(key);
		wipe_str(kv->value);
		kv->value = value;
		kv->loc = *loc;
		return;
	}
	kv = calloc(1, sizeof(*kv));
	if (!kv) {
		free(key);
		wipe_str(value);
		oom(p);
		return;
	}
	kv->key = key;
	kv->value = value;
	kv->loc = *loc;
	TAILQ_INSERT_TAIL(&sec->kvs, kv, entry);
}

static void parse_statements(struct parser *p, struct conf_section *sec, unsigned int depth,
			     bool file_root);

static const char *file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISSOCK(mode))
		return "a socket";
	return "not a regular file";
}

/* The file's contents (malloc'd). Anything but a regular file is refused
 * before it is opened, and again through the descriptor (it may have been
 * swapped in between): -EINVAL with *type saying what it is. The open does
 * not block, so a FIFO put there cannot hang us. -EFBIG for a file over
 * CONF_MAX_FILE_SIZE, -E2BIG for one over max (what the load may still
 * read). */
static int read_file(const char *path, size_t max, char **buf, size_t *len, const char **type)
{
	struct stat st;
	ssize_t n;
	size_t got = 0;
	char *b;
	int fd;

	*type = NULL;
	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode)) {
		*type = file_type(st.st_mode);
		return -EINVAL;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*type = file_type(st.st_mode);
		return -EINVAL;
	}
	if (st.st_size > (off_t)CONF_MAX_FILE_SIZE || (uint64_t)st.st_size > max) {
		close(fd);
		return st.st_size > (off_t)CONF_MAX_FILE_SIZE ? -EFBIG : -E2BIG;
	}
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, b + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*buf = b;
	*len = got;
	return 0;
}

/* Parse text as the content of sec (the root, or the section an include
 * statement stood in). */
static int parse_text(struct conf_ctx *ctx, const struct inc_frame *frame, unsigned int inc_depth,
		      const char *name, const char *text, size_t len, struct conf_section *sec,
		      unsigned int depth)
{
	struct parser p = { .ctx = ctx, .frame = frame, .include_depth = inc_depth };
	const char *nul = memchr(text, '\0', len);
	char *copy = NULL;

	p.file = conf_ctx_add_file(ctx, name);
	if (!p.file)
		return -ENOMEM;
	if (nul) {
		struct conf_loc loc = { .file = p.file, .line = 1 };

		for (const char *q = text; q < nul; q++)
			loc.line += *q == '\n';
		conf_err(ctx, &loc, "NUL byte in the file");
		/* go on reading, a NUL taken as a blank, to report the rest */
		copy = malloc(len);
		if (!copy) {
			ctx->oom = 1;
			return -ENOMEM;
		}
		for (size_t i = 0; i < len; i++)
			copy[i] = text[i] ? text[i] : ' ';
		text = copy;
	}
	p.cur = (struct cursor){ .buf = text, .len = len, .line = 1 };
	parse_statements(&p, sec, depth, true);
	if (copy) {
		OPENSSL_cleanse(copy, len);
		free(copy);
	}
	return ctx->oom ? -ENOMEM : 0;
}

static int include_file(struct parser *p, const char *path, const struct conf_loc *loc,
			struct conf_section *sec, unsigned int depth)
{
	char real[PATH_MAX];
	struct inc_frame frame = { .up = p->frame, .realpath = real };
	char *buf = NULL;
	const char *type;
	size_t len = 0;
	int r;

	if (p->include_depth + 1 > CONF_MAX_INCLUDE_DEPTH) {
		conf_err(p->ctx, loc, "includes nested deeper than %u (at '%s')",
			 CONF_MAX_INCLUDE_DEPTH, path);
		return -ELOOP;
	}
	if (p->ctx->n_files >= CONF_MAX_FILES) {
		conf_err(p->ctx, loc, "more than %u files included", CONF_MAX_FILES);
		return -E2BIG;
	}
	if (p->ctx->n_included >= CONF_MAX_INCLUDED_FILES) {
		conf_err(p->ctx, loc,
			 "more than %u files read through includes (nested includes of the same "
			 "files multiply); no further include is read",
			 CONF_MAX_INCLUDED_FILES);
		p->ctx->include_capped = true;
		return -E2BIG;
	}
	if (!realpath(path, real)) {
		r = -errno;
		conf_err(p->ctx, loc, "cannot include '%s': %s", path, strerror(-r));
		return r;
	}
	for (const struct inc_frame *f = p->frame; f; f = f->up) {
		if (f->realpath && strcmp(f->realpath, real) == 0) {
			conf_err(p->ctx, loc, "include cycle: '%s' is already being read", path);
			return -ELOOP;
		}
	}
	r = read_file(path, CONF_MAX_TOTAL_SIZE - p->ctx->bytes_read, &buf, &len, &type);
	if (r == -E2BIG) {
		conf_err(p->ctx, loc,
			 "including '%s' would read more than %u MiB in all; no further include is "
			 "read",
			 path, CONF_MAX_TOTAL_SIZE >> 20);
		p->ctx->include_capped = true;
		return r;
	}
	if (r < 0) {
		if (r == -ENOMEM)
			p->ctx->oom = 1;
		if (type)
			conf_err(p->ctx, loc, "cannot include '%s': it is %s, not a regular file",
				 path, type);
		else
			conf_err(p->ctx, loc, "cannot include '%s': %s", path,
				 r == -EFBIG ? "file too large" : strerror(-r));
		return r;
	}
	p->ctx->n_included++;
	p->ctx->bytes_read += len;
	r = parse_text(p->ctx, &frame, p->include_depth + 1, path, buf, len, sec, depth);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

static void do_include(struct parser *p, const char *pattern, const struct conf_loc *loc,
		       struct conf_section *sec, unsigned int depth)
{
	char *full = NULL;
	const char *slash = strrchr(p->file, '/');
	glob_t g;
	int r;

	if (!*pattern) {
		conf_err(p->ctx, loc, "include without a file pattern");
		return;
	}
	if (pattern[0] == '/') {
		full = strdup(pattern);
	} else if (slash) {
		int n = (int)(slash - p->file);

		if (asprintf(&full, "%.*s/%s", n ? n : 1, n ? p->file : "/", pattern) < 0)
			full = NULL;
	} else {
		if (asprintf(&full, "./%s", pattern) < 0)
			full = NULL;
	}
	if (!full) {
		oom(p);
		return;
	}
	r = glob(full, 0, NULL, &g);
	if (r == GLOB_NOMATCH) {
		/* strongSwan only logs this: an empty conf.d is normal, but a
		 * missing plain file name is most likely a mistake */
		if (!strpbrk(pattern, "*?["))
			conf_warn(p->ctx, loc,
				  "include '%s': no such file, ignored as strongSwan does", full);
	} else if (r == GLOB_NOSPACE) {
		oom(p);
	} else if (r != 0) {
		conf_err(p->ctx, loc, "include '%s': cannot read the directory", full);
	} else {
		/* once a cap is hit, it has been said, and nothing more is read */
		for (size_t i = 0; i < g.gl_pathc && !p->ctx->oom && !p->ctx->include_capped; i++)
			include_file(p, g.gl_pathv[i], loc, sec, depth);
	}
	if (r != GLOB_NOMATCH || g.gl_pathv)
		globfree(&g);
	free(full);
}

/* After "include" and its blanks. */
static void parse_include(struct parser *p, struct conf_section *sec, unsigned int depth)
{
	struct conf_loc loc = here(p);
	struct sbuf b = { 0 };
	int ch;

	if (cur_peek(&p->cur) == '"') {
		cur_next(&p->cur);
		if (read_quoted(p, &b) < 0)
			goto out;
	} else {
		while ((ch = cur_peek(&p->cur)) >= 0 && !strchr("#}\r\n\t ", ch)) {
			cur_next(&p->cur);
			if (ch == '\\') {
				int n = cur_peek(&p->cur);

				if (n == '"' || n == '#' || n == '}' || n == ' ')
					ch = cur_next(&p->cur);
			}
			if (sbuf_add(&b, (char)ch) < 0) {
				oom(p);
				goto out;
			}
		}
	}
	if (b.too_long) {
		conf_err(p->ctx, &loc, "include pattern too long");
		goto out;
	}
	do_include(p, b.s ? b.s : "", &loc, sec, depth);
out:
	sbuf_wipe(&b);
}

/* After ':': a comma-separated list of dotted section paths, then '{'. */
static int parse_refs(struct parser *p, struct conf_section *sec)
{
	for (;;) {
		struct sbuf b = { 0 };
		struct conf_loc loc;
		struct conf_ref *refs;
		int ch;

		skip_blank(p);
		loc = here(p);
		if (read_name(p, &b, true) < 0 || !b.s) {
			sbuf_wipe(&b);
			if (!p->ctx->oom)
				conf_err(p->ctx, &loc,
					 "expected the name of a section to reference");
			return -EINVAL;
		}
		refs = realloc(sec->refs, (sec->n_refs + 1) * sizeof(*refs));
		if (!refs) {
			sbuf_wipe(&b);
			oom(p);
			return -ENOMEM;
		}
		sec->refs = refs;
		sec->refs[sec->n_refs++] = (struct conf_ref){ .path = b.s, .loc = loc };
		skip_blank(p);
		ch = cur_peek(&p->cur);
		if (ch == ',') {
			cur_next(&p->cur);
			continue;
		}
		if (ch == '{')
			return 0;
		loc = here(p);
		conf_err(p->ctx, &loc, "expected ',' or '{' after a section reference");
		return -EINVAL;
	}
}

static void parse_section(struct parser *p, struct conf_section *sec, char *name,
			  const struct conf_loc *loc, unsigned int depth, bool refs)
{
	struct conf_section *sub = find_sub(sec, name);

	if (depth + 1 > CONF_MAX_DEPTH) {
		conf_err(p->ctx, loc, "sections nested deeper than %u", CONF_MAX_DEPTH);
		free(name);
		p->fatal = true;
		return;
	}
	if (!sub) {
		sub = conf_section_new(name, loc);
		if (!sub) {
			free(name);
			oom(p);
			return;
		}
		sub->parent = sec;
		add_sub(sec, sub);
	}
	free(name);
	if (refs && parse_refs(p, sub) < 0) {
		/* resynchronise on the brace if it is on this line */
		while (cur_peek(&p->cur) >= 0 && cur_peek(&p->cur) != '{' &&
		       cur_peek(&p->cur) != '\n')
			cur_next(&p->cur);
		if (cur_peek(&p->cur) != '{')
			return;
	}
	cur_next(&p->cur); /* '{' */
	parse_statements(p, sub, depth + 1, false);
}

static void parse_statements(struct parser *p, struct conf_section *sec, unsigned int depth,
			     bool file_root)
{
	struct conf_loc opened = here(p);

	while (!p->fatal) {
		struct sbuf b = { 0 };
		struct cursor saved;
		struct conf_loc loc;
		int ch;

		skip_blank(p);
		loc = here(p);
		ch = cur_peek(&p->cur);
		if (ch < 0) {
			if (!file_root) {
				char *path = conf_section_path(sec);

				conf_err(p->ctx, &opened, "section '%s' is not closed: '}' missing",
					 path ? path : sec->name);
				free(path);
			}
			return;
		}
		if (ch == '}') {
			cur_next(&p->cur);
			if (!file_root)
				return;
			conf_err(p->ctx, &loc, "unexpected '}' with no section open%s",
				 p->include_depth ? " in this included file" : "");
			continue;
		}
		if (!is_name_char(ch)) {
			if (ch == '"')
				conf_err(p->ctx, &loc, "unexpected quoted string");
			else
				conf_err(p->ctx, &loc, "unexpected '%c'", ch);
			skip_line(p);
			continue;
		}
		if (read_name(p, &b, false) < 0) {
			sbuf_wipe(&b);
			skip_line(p);
			continue;
		}
		ch = cur_peek(&p->cur);
		if (strcmp(b.s, "include") == 0 && (ch == ' ' || ch == '\t')) {
			skip_spaces(p);
			ch = cur_peek(&p->cur);
			if (ch != '=') {
				sbuf_wipe(&b);
				parse_include(p, sec, depth);
				continue;
			}
		}
		skip_spaces(p);
		ch = cur_peek(&p->cur);
		if (ch == '=') {
			char *value;

			cur_next(&p->cur);
			if (read_value(p, &value) < 0) {
				sbuf_wipe(&b);
				skip_line(p);
				continue;
			}
			add_kv(p, sec, b.s, value, &loc);
			continue;
		}
		/* strongSwan lets the brace of a section follow on later lines */
		saved = p->cur;
		skip_blank(p);
		ch = cur_peek(&p->cur);
		if (ch == '{' || ch == ':') {
			if (ch == ':')
				cur_next(&p->cur);
			parse_section(p, sec, b.s, &loc, depth, ch == ':');
			continue;
		}
		conf_err(p->ctx, &loc, "expected '=' or '{' after '%s'", b.s);
		sbuf_wipe(&b);
		/* one error per mistake: the rest of its line is part of it */
		p->cur = saved;
		skip_line(p);
	}
}

int conf_parse_buffer(struct conf_ctx *ctx, const char *name, const char *text, size_t len)
{
	struct inc_frame frame = { 0 };
	char real[PATH_MAX];

	if (realpath(name, real))
		frame.realpath = real;
	if (len > CONF_MAX_FILE_SIZE) {
		struct conf_loc loc = { .file = conf_ctx_add_file(ctx, name) };

		conf_err(ctx, &loc, "file larger than %u bytes", CONF_MAX_FILE_SIZE);
		return -EFBIG;
	}
	return parse_text(ctx, &frame, 0, name, text, len, ctx->root, 0);
}

int conf_parse_path(struct conf_ctx *ctx, const char *path)
{
	char *buf = NULL;
	const char *type;
	size_t len = 0;
	int r = read_file(path, CONF_MAX_TOTAL_SIZE, &buf, &len, &type);

	if (r < 0) {
		struct conf_loc loc = { .file = conf_ctx_add_file(ctx, path) };

		if (r == -ENOMEM)
			ctx->oom = 1;
		if (type)
			conf_err(ctx, &loc, "cannot read the file: it is %s, not a regular file",
				 type);
		else
			conf_err(ctx, &loc, "cannot read the file: %s",
				 r == -EFBIG ? "file too large" : strerror(-r));
		return r;
	}
	ctx->bytes_read += len;
	r = conf_parse_buffer(ctx, path, buf, len);
	OPENSSL_cleanse(buf, len);
	free(buf);
	return r;
}

/* Section references: the referencing section gets every key and subsection
 * of the referenced ones that it does not set itself, earlier references
 * first; its own values always win. */

static void resolve_self(struct conf_ctx *ctx, struct conf_section *sec);

static void resolve_deep(struct conf_ctx *ctx, struct conf_section *sec)
{
	struct conf_section *sub;

	resolve_self(ctx, sec);
	TAILQ_FOREACH (sub, &sec->sections, entry)
		resolve_deep(ctx, sub);
}

static struct conf_section *find_path(struct conf_ctx *ctx, const char *path)
{
	struct conf_section *sec = ctx->root;
	char *copy = strdup(path), *save = NULL, *part;

	if (!copy) {
		ctx->oom = 1;
		return NULL;
	}
	for (part = strtok_r(copy, ".", &save); part && sec; part = strtok_r(NULL, ".", &save)) {
		resolve_self(ctx, sec);
		sec = find_sub(sec, part);
	}
	free(copy);
	return sec == ctx->root ? NULL : sec;
}

static struct conf_section *copy_section(struct conf_ctx *ctx, const struct conf_section *src,
					 struct conf_section *parent)
{
	struct conf_section *dst = conf_section_new(src->name, &src->loc);
	struct conf_kv *kv;
	struct conf_section *sub;

	if (!dst) {
		ctx->oom = 1;
		return NULL;
	}
	dst->parent = parent;
	dst->resolved = true;
	TAILQ_FOREACH (kv, &src->kvs, entry) {
		struct conf_kv *c = calloc(1, sizeof(*c));

		if (!c || !(c->key = strdup(kv->key)) ||
		    (kv->value && !(c->value = strdup(kv->value)))) {
			if (c)
				free(c->key);
			free(c);
			ctx->oom = 1;
			conf_section_free(dst);
			return NULL;
		}
		c->loc = kv->loc;
		TAILQ_INSERT_TAIL(&dst->kvs, c, entry);
	}
	TAILQ_FOREACH (sub, &src->sections, entry) {
		struct conf_section *c = copy_section(ctx, sub, dst);

		if (!c) {
			conf_section_free(dst);
			return NULL;
		}
		add_sub(dst, c);
	}
	return dst;
}

static void merge_missing(struct conf_ctx *ctx, struct conf_section *dst,
			  const struct conf_section *src)
{
	struct conf_kv *kv;
	struct conf_section *sub;

	TAILQ_FOREACH (kv, &src->kvs, entry) {
		struct conf_kv *c;

		if (find_kv(dst, kv->key))
			continue;
		c = calloc(1, sizeof(*c));
		if (!c || !(c->key = strdup(kv->key)) ||
		    (kv->value && !(c->value = strdup(kv->value)))) {
			if (c)
				free(c->key);
			free(c);
			ctx->oom = 1;
			return;
		}
		c->loc = kv->loc;
		TAILQ_INSERT_TAIL(&dst->kvs, c, entry);
	}
	TAILQ_FOREACH (sub, &src->sections, entry) {
		struct conf_section *d = find_sub(dst, sub->name);

		if (d) {
			resolve_self(ctx, d);
			merge_missing(ctx, d, sub);
			continue;
		}
		d = copy_section(ctx, sub, dst);
		if (!d)
			return;
		add_sub(dst, d);
	}
}

static void resolve_self(struct conf_ctx *ctx, struct conf_section *sec)
{
	if (sec->resolved || ctx->oom)
		return;
	if (sec->resolving) {
		char *path = conf_section_path(sec);

		conf_err(ctx, &sec->loc, "section references of '%s' form a cycle",
			 path ? path : "?");
		free(path);
		sec->resolved = true;
		return;
	}
	sec->resolving = true;
	for (size_t i = 0; i < sec->n_refs; i++) {
		struct conf_section *target = find_path(ctx, sec->refs[i].path);

		if (!target) {
			if (!ctx->oom)
				conf_err(ctx, &sec->refs[i].loc,
					 "referenced section '%s' does not exist",
					 sec->refs[i].path);
			continue;
		}
		for (struct conf_section *a = sec; a && target; a = a->parent) {
			if (a == target) {
				conf_err(ctx, &sec->refs[i].loc,
					 "section cannot reference '%s', which contains it",
					 sec->refs[i].path);
				target = NULL;
			}
		}
		if (!target)
			continue;
		/* the sections holding templates are not configuration either */
		for (struct conf_section *a = target; a; a = a->parent)
			a->referenced = true;
		resolve_deep(ctx, target);
		merge_missing(ctx, sec, target);
	}
	sec->resolving = false;
	sec->resolved = true;
}

void conf_resolve_refs(struct conf_ctx *ctx)
{
	resolve_deep(ctx, ctx->root);
}
