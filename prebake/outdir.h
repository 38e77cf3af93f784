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

/* SHA-256 over the input files' names and contents, the model files
 * (when given) and the settings text: what the image label records. */
int inputs_sha256(const struct env *env, const struct strlist *model, const char *settings,
		  char out[SHA256_HEX_LEN + 1], struct buf *err);

/* Write files (and model/ copied from model_dir when model is non-NULL)
 * as the folder path: files 0644 and folders 0755 whatever the umask.
 * path may be ., end in .. or /, or be a symlink to a folder (which is
 * replaced; the link stays). An existing folder is replaced only when
 * prebake wrote it (it holds pin-audit.txt), it is empty, or force is set
 * (force does not reach through a symlink). Returns 0 or EXIT_LOCALIO
 * with err filled. */
int outdir_write(const char *path, const struct outset *files, const char *model_dir,
		 const struct strlist *model, int force, struct buf *err);

#endif
