/* An archive in DEST as recorded state. DEST keeps a record of the archive
 * its tree was unpacked from (source, key, size, ETag, and the top-level
 * names the tree holds), so that a restarted init container over the same
 * volume can tell "already unpacked from this very archive" (touch
 * nothing) from "another archive" (replace the whole tree) from "an
 * unpack that was refused or killed" (unpack again, or refuse again).
 * A new tree is unpacked into a staging folder inside DEST first, then
 * swapped in name by name; the record says which names are initc's, so a
 * rerun after a kill mid-swap finishes the job instead of refusing. */
#ifndef INITC_UNPACKED_H
#define INITC_UNPACKED_H

#include "buf.h"
#include "destdir.h"
#include "plan.h"

#define UNPACKED_RECORD_NAME ".initc.unpacked"

/* Does DEST hold, complete, the tree unpacked from exactly this archive
 * (same source URI, key, size and ETag)? Removes the archive itself when a
 * killed run left it beside that tree. */
int unpacked_matches(const struct destdir *d, const char *uri, const struct item *archive);

/* Unpack DEST/<archive->rel> into a staging folder, replace the tree the
 * record names (and nothing else: a name DEST held from elsewhere is
 * refused, EXIT_UNSAFE) by it, record the new source, remove the archive.
 * 0, or an exit code with err filled; DEST then holds the previous tree
 * or, after a kill, a state the next run completes. */
int unpacked_install(const struct destdir *d, const char *uri, const struct item *archive,
		     struct buf *err);

#endif
