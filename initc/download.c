/* One source into one DEST: listing, then fetching; see download.h. */
#include "download.h"
#include "exitcode.h"
#include "fetch.h"
#include "http.h"
#include "local.h"
#include "log.h"
#include "target.h"
#include "unpack.h"
#include "unpacked.h"

#include <string.h>

static void log_summary(const char *uri, const char *dest, long long files, long long skipped,
			long long bytes, long long retries, double secs)
{
	log_kv(LOG_INFO, "download complete",
	       "src=%s dest=%s files=%lld skipped=%lld bytes=%lld seconds=%.2f mbs=%.1f retries=%lld",
	       log_q(uri), log_q(dest), files, skipped, bytes, secs,
	       secs > 0 ? (double)bytes / secs / 1e6 : 0.0, retries);
}

/* One archive downloaded alone is unpacked into DEST, as KServe does; an
 * archive that lands in a subfolder (a prefix holding only v1/model.tgz)
 * is a file of the model like any other. */
static int is_archive_plan(const struct globals *g, const struct plan *p)
{
	return !g->no_unpack && p->n == 1 && !strchr(p->v[0].rel, '/') &&
	       unpack_is_archive(p->v[0].rel);
}

static int list_remote(const struct globals *g, const struct source *src, struct download *dl,
		       struct buf *err)
{
	struct s3_target *t = &dl->t;
	int rc = target_resolve(g, src, t, err);
	if (!rc) {
		const char *why = s3_path_style_reason(t, src->bucket);
		int forced = why && !t->path_style; /* the bucket's name decided */
		log_kv(LOG_INFO, "listing", "src=%s endpoint=%s://%s style=%s%s%s list=v%d config=%s",
		       log_q(src->uri), t->scheme, t->host, why ? "path" : "virtual-host",
		       forced ? " style_why=" : "", forced ? log_q(why) : "", t->list_version,
		       log_q(t->origin));
		rc = plan_s3(g, t, src, &dl->p, err);
	}
	return rc;
}

int download_list(const struct globals *g, const struct source *src, struct download *dl,
		  struct buf *err)
{
	memset(dl, 0, sizeof *dl);
	dl->listed = src->kind != SOURCE_LOCAL;
	if (src->kind == SOURCE_REMOTE)
		return list_remote(g, src, dl, err);
	if (src->kind == SOURCE_HTTP)
		return plan_http(src, &dl->p, err);
	return 0;
}

/* Fetch what the plan says DEST lacks; unpack an archive source. */
static int fetch_plan(const struct globals *g, const struct source *src, struct download *dl,
		      const struct destdir *d, struct buf *err)
{
	long long listing_retries_before = http_small_retries();
	struct plan *p = &dl->p;
	int archive = is_archive_plan(g, p);
	const struct s3_target *t = src->kind == SOURCE_REMOTE ? &dl->t : NULL;
	struct fetch_stats st;
	int rc = 0;

	if (archive && unpacked_matches(d, src->uri, &p->v[0])) {
		log_kv(LOG_INFO, "already unpacked: DEST holds the tree of this very archive",
		       "src=%s dest=%s etag=%s", log_q(src->uri), log_q(d->path), log_q(p->v[0].etag));
		return 0;
	}
	if (!(rc = plan_check_layout(p, d->path, err)))
		rc = plan_mark_complete(p, d, err);
	if (rc)
		return rc;
	log_kv(LOG_INFO, "transfer plan", "files=%zu skipped=%zu bytes=%lld", p->n - p->skipped,
	       p->skipped, p->bytes);
	rc = fetch_run(g, t, t ? src->bucket : NULL, p, d, &st, err);
	if (!rc)
		log_summary(src->uri, d->path, st.files, (long long)p->skipped, st.bytes,
			    st.retries + http_small_retries() - listing_retries_before, st.seconds);
	if (!rc && archive) /* also when nothing was transferred: a rerun after a kill */
		rc = unpacked_install(d, src->uri, &p->v[0], err);
	return rc;
}

static int copy_local(const struct source *src, const struct destdir *d, struct buf *err)
{
	struct local_stats ls;
	int rc = local_copy(src->path, d, &ls, err);
	if (!rc)
		log_summary(src->uri, d->path, ls.files, 0, ls.bytes, 0, 0);
	return rc;
}

int download_fetch(const struct globals *g, const struct source *src, struct download *dl,
		   const struct destdir *d, struct buf *err)
{
	return dl->listed ? fetch_plan(g, src, dl, d, err) : copy_local(src, d, err);
}

void download_free(struct download *dl)
{
	plan_free(&dl->p);
	s3_target_free(&dl->t);
	memset(dl, 0, sizeof *dl);
}
