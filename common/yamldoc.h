/* A small YAML tree built with libyaml, for the metadata files both tools
 * read (MLmodel, conda.yaml, python_env.yaml, model-settings.json).
 * Every node keeps its 1-based line and column so errors can say
 * "MLmodel:12:3: ...". Aliases are refused (no MLflow file uses them and
 * they are the way to build a "billion laughs" bomb), and so are files
 * larger than YDOC_MAX_BYTES and nesting deeper than YDOC_MAX_DEPTH. */
#ifndef COMMON_YAMLDOC_H
#define COMMON_YAMLDOC_H

#include <stddef.h>
#include "buf.h"

#define YDOC_MAX_BYTES (4u << 20)
#define YDOC_MAX_DEPTH 64

enum ynode_kind { YNODE_SCALAR, YNODE_SEQ, YNODE_MAP };

struct ynode {
	enum ynode_kind kind;
	int line, col;         /* 1-based position of the node's start */
	char *value;           /* scalar text (never NULL for scalars) */
	int plain;             /* scalar was unquoted (so "null" may mean null) */
	/* seq: items[i]; map: items[2i] is a key, items[2i+1] its value */
	struct ynode **items;
	size_t nitems;
};

/* Load the first document. On failure returns NULL and writes
 * "name:line:col: what" to err. An empty file yields an empty map. */
struct ynode *ydoc_load_mem(const char *name, const char *data, size_t len,
			    struct buf *err);
struct ynode *ydoc_load_file(const char *path, struct buf *err);
void ydoc_free(struct ynode *node);

/* Number of entries: map pairs or sequence items (0 for scalars). */
size_t ydoc_len(const struct ynode *node);
/* Map lookup by scalar key; NULL when absent or node is not a map. */
struct ynode *ydoc_get(const struct ynode *map, const char *key);
/* i-th key/value of a map, i-th item of a sequence. */
struct ynode *ydoc_key(const struct ynode *map, size_t i);
struct ynode *ydoc_val(const struct ynode *node, size_t i);
/* Scalar text, or NULL for non-scalars and for plain null/~/empty. */
const char *ydoc_str(const struct ynode *node);
/* Convenience: ydoc_str(ydoc_get(map, key)). */
const char *ydoc_get_str(const struct ynode *map, const char *key);
const char *ydoc_kind_name(enum ynode_kind kind);

#endif
