/* Registering the secrets of the command line for redaction, before
 * anything can print them; see conn_register_secrets in connstr.h. The
 * scan is the conservative superset of what the parser reads as a value:
 * whatever the parser makes of a string, its secrets are registered. */
#include "connstr.h"
#include "log.h"
#include "rclone_config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static void hide(const char *s, size_t len)
{
	char *v = xstrndup(s, len);
	log_add_secret(v);
	free(v);
}

/* A value as read (doubled quotes as one) and as written. */
static void hide_value(const struct conn_piece *pc)
{
	int quoted = *pc->value == '\'' || *pc->value == '"';
	if (pc->unterminated) {
		log_add_secret(pc->value + 1); /* all the rest */
	} else if (quoted) {
		struct buf read = BUF_INIT;
		conn_value_read(pc->value, &read);
		log_add_secret(read.data);
		buf_free(&read);
		hide(pc->value + 1, pc->value_len - 2);
	} else {
		hide(pc->value, pc->value_len);
	}
}

/* Length of "<secret option>=" at s, in any spelling rclone or a user
 * may give it (SECRET-ACCESS-KEY=, session_token=), or 0. */
static size_t secret_spelling_at(const char *s)
{
	for (size_t i = 0; i < s3_noptions; i++) {
		const char *name = s3_options[i].name;
		size_t k = 0;
		if (s3_options[i].kind != ROPT_SECRET)
			continue;
		while (name[k] && (s[k] == '-' ? '_' : tolower((unsigned char)s[k])) == name[k])
			k++;
		if (!name[k] && s[k] == '=')
			return k + 1;
	}
	return 0;
}

/* list_end: the ':' that ends arg's well-formed parameter list, or NULL.
 * Any other ':' that stops an unquoted value may be inside it. */
static void register_secret_spellings(const char *arg, const char *list_end)
{
	for (const char *p = arg; *p; p++) {
		if (!secret_spelling_at(p)) /* anywhere: --s3-secret-access-key=, x,secret_... */
			continue;
		struct conn_piece pc;
		const char *colon = strchr(p, ':');
		conn_piece_read(p, colon, &pc);
		hide_value(&pc);
		if (colon && pc.value + pc.value_len == colon && colon != list_end)
			log_add_secret(pc.value); /* everything to the end of arg */
	}
}

/* In a parameter list: unknown names' values, and bare pieces that name
 * no option (but "sklearn,mlflow", --requirements' list, which has no
 * ':' to end it, keeps its option-shaped words readable). */
static void hide_piece(const struct conn_piece *pc, int listed)
{
	char *name = conn_option_name(pc->name, pc->name_len);
	const struct ropt *o = ropt_find(name);
	if (!pc->value && !o && (listed || !conn_name_shaped(name)))
		hide(pc->name, pc->name_len);
	else if (pc->value && (!o || o->kind == ROPT_SECRET))
		hide_value(pc);
	free(name);
}

/* http(s)://user:password@host/...: the userinfo, and the password alone
 * (curl is given the URL whole; a message may quote either). */
static void register_url_userinfo(const char *arg)
{
	const char *sep = strstr(arg, "://");
	const char *auth = sep ? sep + 3 : NULL;
	size_t len = auth ? strcspn(auth, "/?#") : 0;
	const char *at = auth ? memrchr(auth, '@', len) : NULL;
	const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
	if (at)
		hide(auth, (size_t)(at - auth));
	if (colon)
		hide(colon + 1, (size_t)(at - colon - 1));
}

void conn_register_secrets(const char *arg)
{
	size_t rlen = conn_remote_len(arg);
	register_url_userinfo(arg);
	const char *params = arg + rlen + 1, *end = NULL, *limit = NULL;
	if (rlen && arg[rlen] == ',') {
		end = conn_params_end(params);
		/* read wrongly, the list's values may run on to the end of arg */
		limit = end && !conn_list_misread(params, end) ? end : NULL;
	}
	register_secret_spellings(arg, limit);
	if (!rlen || arg[rlen] != ',')
		return;
	for (const char *p = params; *p && p != limit;) {
		struct conn_piece pc;
		conn_piece_read(p, limit, &pc);
		hide_piece(&pc, end != NULL);
		p = *pc.next == ',' ? pc.next + 1 : pc.next;
	}
}
