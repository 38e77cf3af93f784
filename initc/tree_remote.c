/* struct tree over an S3 prefix: one listing, and small GETs for the
 * metadata files; the model's big files are never downloaded. */
#include "tree.h"
#include "exitcode.h"
#include "globals.h"
#include "log.h"
#include "plan.h"
#include "s3_list.h"
#include "target.h"
#include "uri.h"

#include <stdlib.h>
#include <string.h>

struct remote_tree {
	struct tree tree;
	struct globals g;
	struct source src;
	struct s3_target target;
	struct s3_objlist objects;
	char *dir;               /* the listed prefix, ending in '/' or empty */
	char *label;
};

static int remote_list(struct tree *t, tree_visit_fn fn, void *arg, struct buf *err)
{
	struct remote_tree *rt = t->ctx;
	for (size_t i = 0; i < rt->objects.n; i++) {
		const struct s3_object *o = &rt->objects.v[i];
		struct tree_entry e = { NULL, o->size };
		/* the same mapping a download would use: a key it would refuse
		 * fails the check too */
		int rc = plan_map_key(rt->dir, o->key, o->size, &e.path, err);
		if (!rc && e.path)
			rc = fn(&e, arg);
		if (rc)
			return rc;
	}
	return 0;
}

static int remote_read(struct tree *t, const char *path, size_t max, struct buf *out,
		       struct buf *err)
{
	struct remote_tree *rt = t->ctx;
	char *key = xasprintf("%s%s", rt->dir, path);
	int rc = s3_get_small(&rt->g, &rt->target, rt->src.bucket, key, max, out, err);
	free(key);
	return rc;
}

static void rtree_free(struct remote_tree *rt)
{
	s3_objlist_free(&rt->objects);
	s3_target_free(&rt->target);
	source_free(&rt->src);
	free(rt->dir);
	free(rt->label);
	free(rt);
}

static void remote_close(struct tree *t)
{
	rtree_free(t->ctx);
}

int tree_open_remote(const char *uri, struct tree **out, struct buf *err)
{
	struct remote_tree *rt = xcalloc(1, sizeof *rt);
	int rc = globals_from_env(&rt->g, err);

	if (!rc)
		rc = source_parse(uri, &rt->src, err);
	if (!rc && rt->src.kind != SOURCE_REMOTE) {
		buf_printf(err, "%s: initc check reads S3 URIs or local folders", uri);
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = target_resolve(&rt->g, &rt->src, &rt->target, err);
	if (!rc) {
		size_t plen = strlen(rt->src.prefix);
		rt->dir = (!plen || rt->src.prefix[plen - 1] == '/') ? xstrdup(rt->src.prefix) :
			  xasprintf("%s/", rt->src.prefix);
		rc = s3_list(&rt->g, &rt->target, rt->src.bucket, rt->dir, 0, &rt->objects, err);
		if (!rc && !rt->objects.n) {
			buf_printf(err, "nothing found under s3://%s/%s", rt->src.bucket, rt->dir);
			rc = EXIT_NOTFOUND;
		}
	}
	if (rc) {
		rtree_free(rt);
		return rc;
	}
	rt->label = log_redact_dup(uri); /* printed by check, also as JSON */
	rt->tree = (struct tree){ rt->label, remote_list, remote_read, remote_close, rt };
	*out = &rt->tree;
	return 0;
}
