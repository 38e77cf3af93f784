/* The shared credentials and config files (~/.aws/credentials and
 * ~/.aws/config) for one profile: static keys, web identity settings for
 * aws_sts.c, and the ways of getting keys that initc refuses (SSO,
 * credential_process, roles assumed from other credentials), each named in
 * its message. */
#include "aws_provider.h"
#include "exitcode.h"

#include <stdlib.h>
#include <string.h>

/* The last value of key in a section, NULL when absent. */
static const char *kv_last(const struct kv *v, size_t n, const char *key)
{
	const char *found = NULL;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].key, key))
			found = v[i].value;
	return found;
}

const char *aws_profile_get(const struct aws_chain *c, const char *key)
{
	return kv_last(c->conf, c->nconf, key);
}

/* var's value, else ~/.aws/<name>; "~/" expanded as botocore does. */
static char *file_path(const char *given, const char *var, const char *name)
{
	const char *home = getenv("HOME");
	const char *v = given && *given ? given : getenv(var);
	if (v && *v)
		return !strncmp(v, "~/", 2) && home ? xasprintf("%s%s", home, v + 1) : xstrdup(v);
	return home ? xasprintf("%s/.aws/%s", home, name) : NULL;
}

/* Read one section; a file that is there but unreadable is remembered. */
static int read_section(struct aws_chain *c, const char *path, const char *section,
			struct kv **out, size_t *n)
{
	struct buf err = BUF_INIT;
	int found = path ? ini_read_section(path, section, out, n, &err) : 0;
	if (found < 0 && !c->files_error)
		c->files_error = xasprintf("cannot read %s", path);
	buf_free(&err);
	return found > 0;
}

void aws_chain_read_files(struct aws_chain *c, const char *credentials_file, const char *profile)
{
	c->credentials_file = file_path(credentials_file, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
	c->config_file = file_path(NULL, "AWS_CONFIG_FILE", "config");
	c->cred_found = read_section(c, c->credentials_file, profile, &c->cred, &c->ncred);
	/* the config file names profiles "profile NAME"; default may be either */
	char *section = strcmp(profile, "default") ? xasprintf("profile %s", profile) :
						      xstrdup("default");
	c->conf_found = read_section(c, c->config_file, section, &c->conf, &c->nconf);
	if (!c->conf_found && !strcmp(profile, "default")) {
		kv_free(c->conf, c->nconf);
		c->conf_found = read_section(c, c->config_file, "profile default", &c->conf, &c->nconf);
	}
	free(section);
}

void aws_chain_free_files(struct aws_chain *c)
{
	kv_free(c->cred, c->ncred);
	kv_free(c->conf, c->nconf);
	free(c->credentials_file);
	free(c->config_file);
	free(c->files_error);
}

#define UNSUPPORTED_HINT "initc does not support it: give the pod its own role (IRSA or EKS " \
	"Pod Identity) or put the keys in the secret"

/* role_arn with source_profile or credential_source: botocore's
 * assume-role provider, which comes before web identity. */
int aws_profile_role_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	(void)out;
	if (!aws_profile_get(c, "role_arn") || aws_profile_get(c, "web_identity_token_file"))
		return AWS_ABSENT; /* web identity's settings are aws_sts.c's */
	const char *source = aws_profile_get(c, "source_profile") ? "source_profile" :
			     aws_profile_get(c, "credential_source") ? "credential_source" : NULL;
	return buf_fail(why, EXIT_USAGE, "profile %s in %s sets role_arn%s%s: assuming a role "
			"from other credentials; " UNSUPPORTED_HINT, c->profile, c->config_file,
			source ? " with " : " without web_identity_token_file", source ? source : "");
}

/* Settings of the config file's profile initc refuses, in botocore's order
 * around the credentials file: SSO before it, credential_process after. */
static int refuse_prefix(const struct aws_chain *c, const char *prefix, const char *what,
			 struct buf *why)
{
	for (size_t i = 0; i < c->nconf; i++)
		if (!strncmp(c->conf[i].key, prefix, strlen(prefix)))
			return buf_fail(why, EXIT_USAGE, "profile %s in %s uses %s (%s); "
					UNSUPPORTED_HINT, c->profile, c->config_file, what,
					c->conf[i].key);
	return 0;
}

/* aws_access_key_id and aws_secret_access_key of one section. */
static int section_keys(const struct kv *v, size_t n, const char *file, const char *profile,
			const char *method, struct aws_keys *out, struct buf *why)
{
	const char *ak = kv_last(v, n, "aws_access_key_id");
	const char *sk = kv_last(v, n, "aws_secret_access_key");
	/* botocore: no aws_access_key_id, not configured here (a secret alone
	 * is passed over); a key id without its secret is an error */
	if (!ak || !*ak)
		return AWS_ABSENT;
	if (!sk || !*sk)
		return buf_fail(why, EXIT_USAGE, "profile %s in %s sets aws_access_key_id but not "
				"aws_secret_access_key: set both", profile, file);
	/* botocore reads aws_security_token first, present even if empty */
	const char *token = kv_last(v, n, "aws_security_token");
	if (!token)
		token = kv_last(v, n, "aws_session_token");
	static const char *const keys[] = { "aws_access_key_id", "aws_secret_access_key",
					    "aws_security_token", "aws_session_token" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		char *name = xasprintf("%s of profile %s in %s", keys[i], profile, file);
		int rc = aws_key_config_check(name, kv_last(v, n, keys[i]), why);
		free(name);
		if (rc)
			return rc;
	}
	aws_keys_set(out, ak, sk, token);
	out->method = method;
	out->identity = xasprintf("%s (profile %s in %s)", ak, profile, file); /* the id is no secret */
	return 0;
}

int aws_profile_check(const struct aws_chain *c, struct buf *why)
{
	if (c->files_error || !strcmp(c->profile, "default") || c->cred_found || c->conf_found)
		return 0;
	return buf_fail(why, EXIT_USAGE, "profile %s (AWS_PROFILE, or the remote's profile) is in "
			"neither %s nor %s", c->profile,
			c->credentials_file ? c->credentials_file : "(no HOME)",
			c->config_file ? c->config_file : "(no HOME)");
}

int aws_shared_load(const struct aws_chain *c, struct aws_keys *out, struct buf *why)
{
	int rc;
	if (c->files_error)
		return buf_fail(why, EXIT_AUTH, "%s", c->files_error);
	if ((rc = refuse_prefix(c, "sso_", "AWS IAM Identity Center (SSO)", why)))
		return rc;
	rc = section_keys(c->cred, c->ncred, c->credentials_file, c->profile,
			  "shared-credentials-file", out, why);
	if (rc != AWS_ABSENT)
		return rc;
	if ((rc = refuse_prefix(c, "credential_process", "an external credential process", why)))
		return rc;
	rc = section_keys(c->conf, c->nconf, c->config_file, c->profile, "config-file", out, why);
	if (rc != AWS_ABSENT)
		return rc;
	if (!c->credentials_file)
		buf_adds(why, "HOME and AWS_SHARED_CREDENTIALS_FILE unset");
	else if (!c->cred_found)
		buf_printf(why, "no [%s] in %s", c->profile, c->credentials_file);
	else
		buf_printf(why, "[%s] in %s has no aws_access_key_id", c->profile, c->credentials_file);
	return AWS_ABSENT;
}
