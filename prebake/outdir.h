/* The output folder, written all at once: files go to a temporary folder
 * beside the target, which is renamed into place at the end, so a failed
 * run never leaves a half-written folder where a finished one should be. */
#ifndef PREBAKE_OUTDIR_H
#define PREBAKE_OUTDIR_H

#include "deps.h"
#include "emit.h"
#include "digest.h"

/* Regular files below dir, '/'-separated relative paths, sorted. The
 * output folder outpath (NULL: none) and prebake's temporary folders
 * beside it are left out, so an -o inside the model folder is not baked
 * into the next output. */
int model_files(const char *dir, const char *outpath, struct strlist *out, struct buf *err);

/* SHA-256 over the input files' names and contents, the model files'
 * "sha256  model/path" lines (model_sums, from outdir_copy_model; NULL
 * when the model is not baked) and the settings text: what the image
 * label records. */
int inputs_sha256(const struct env *env, const struct buf *model_sums, const char *settings,
		  char out[SHA256_HEX_LEN + 1], struct buf *err);

/* The output folder as path names it: path may be ., end in .. or /, or
 * be a symlink to a folder (which is replaced; the link stays). Files are
 * 0644 and folders 0755 whatever the umask. Every call but outdir_close
 * returns 0, or EXIT_LOCALIO (EXIT_INPUT for a model file) with err
 * filled. */
struct outdir;

/* Resolve path, take the lock of the folder that holds it (two prebake
 * runs writing there take turns), remove what killed runs left beside
 * it, refuse a folder that may not be replaced, and start a temporary
 * folder beside it. */
int outdir_open(struct outdir **out, const char *path, int force, struct buf *err);

/* Copy the model's files (model_files' list) into model/, hashing the
 * bytes as they are copied: one "sha256  model/path" line each in sums. */
int outdir_copy_model(struct outdir *d, const char *model_dir, const struct strlist *model,
		      struct buf *sums, struct buf *err);

/* Write files beside the model, then rename the folder into place. An
 * existing folder is replaced only when prebake wrote it (it holds
 * pin-audit.txt), it is empty, or force is set (force does not reach
 * through a symlink). */
int outdir_commit(struct outdir *d, const struct outset *files, struct buf *err);

/* Remove the temporary folder unless committed, release the lock. */
void outdir_close(struct outdir *d);

#endif
