/* The shared YAML tree: ydoc_load_mem, then every accessor over it. */
#include "fuzz.h"
#include "yamldoc.h"

static void walk(const struct ynode *n, int depth)
{
	if (depth > YDOC_MAX_DEPTH + 1)
		abort(); /* the loader promised to refuse this */
	if (n->line < 1 || n->col < 1)
		abort();
	if (n->kind == YNODE_SCALAR && !n->value)
		abort();
	(void)ydoc_str(n);
	(void)ydoc_get_str(n, "flavors");
	for (size_t i = 0; i < ydoc_len(n); i++) {
		const struct ynode *k = ydoc_key(n, i);
		if (k && k->kind == YNODE_SCALAR && ydoc_get(n, k->value) == NULL)
			abort(); /* a key we can see must be found */
		walk(ydoc_val(n, i), depth + 1);
		if (k)
			walk(k, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf err = BUF_INIT;
	struct ynode *root = ydoc_load_mem("fuzz.yaml", (const char *)data, size, &err);

	if (root)
		walk(root, 0);
	else if (!err.len)
		abort(); /* a failure must say why */
	ydoc_free(root);
	buf_free(&err);
	return 0;
}
