/* YAML tree built from libyaml's event stream; see yamldoc.h. */
#include "yamldoc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

struct loader {
	yaml_parser_t parser;
	const char *name;
	struct buf *err;
	int depth;
};

static struct ynode *node_new(enum ynode_kind kind, yaml_mark_t mark)
{
	struct ynode *n = xcalloc(1, sizeof *n);
	n->kind = kind;
	n->line = (int)mark.line + 1;
	n->col = (int)mark.column + 1;
	return n;
}

static void node_push(struct ynode *parent, struct ynode *child)
{
	parent->items = xrealloc(parent->items, (parent->nitems + 1) * sizeof *parent->items);
	parent->items[parent->nitems++] = child;
}

void ydoc_free(struct ynode *node)
{
	if (!node)
		return;
	for (size_t i = 0; i < node->nitems; i++)
		ydoc_free(node->items[i]);
	free(node->items);
	free(node->value);
	free(node);
}

static void fail_at(struct loader *ld, yaml_mark_t mark, const char *what)
{
	buf_reset(ld->err);
	buf_printf(ld->err, "%s:%zu:%zu: %s", ld->name, mark.line + 1, mark.column + 1, what);
}

static void fail_parser(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	yaml_mark_t mark = p->problem ? p->problem_mark : p->context_mark;
	char what[512];
	snprintf(what, sizeof what, "invalid YAML: %s%s%s",
		 p->problem ? p->problem : "parse error",
		 p->context ? " " : "", p->context ? p->context : "");
	fail_at(ld, mark, what);
}

static struct ynode *parse_node(struct loader *ld, yaml_event_t *ev);

/* Children until the matching end event; maps alternate key, value. */
static int parse_children(struct loader *ld, struct ynode *parent, yaml_event_type_t end)
{
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&ld->parser, &ev)) {
			fail_parser(ld);
			return -1;
		}
		if (ev.type == end) {
			yaml_event_delete(&ev);
			return 0;
		}
		struct ynode *child = parse_node(ld, &ev);
		yaml_event_delete(&ev);
		if (!child)
			return -1;
		node_push(parent, child);
	}
}

static struct ynode *parse_node(struct loader *ld, yaml_event_t *ev)
{
	struct ynode *n;
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		n = node_new(YNODE_SCALAR, ev->start_mark);
		n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		return n;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		if (++ld->depth > YDOC_MAX_DEPTH) {
			fail_at(ld, ev->start_mark, "YAML nested too deeply");
			return NULL;
		}
		n = node_new(ev->type == YAML_SEQUENCE_START_EVENT ? YNODE_SEQ : YNODE_MAP,
			     ev->start_mark);
		if (parse_children(ld, n, ev->type == YAML_SEQUENCE_START_EVENT ?
				   YAML_SEQUENCE_END_EVENT : YAML_MAPPING_END_EVENT)) {
			ydoc_free(n);
			return NULL;
		}
		ld->depth--;
		return n;
	case YAML_ALIAS_EVENT:
		fail_at(ld, ev->start_mark, "YAML aliases (*name) are not supported here");
		return NULL;
	default:
		fail_at(ld, ev->start_mark, "unexpected YAML event");
		return NULL;
	}
}

/* Skip stream/document starts; return the root node or an empty map. */
static struct ynode *parse_root(struct loader *ld)
{
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&ld->parser, &ev)) {
			fail_parser(ld);
			return NULL;
		}
		yaml_event_type_t type = ev.type;
		if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (type == YAML_STREAM_END_EVENT || type == YAML_DOCUMENT_END_EVENT) {
			struct ynode *empty = node_new(YNODE_MAP, ev.start_mark);
			yaml_event_delete(&ev);
			return empty;
		}
		struct ynode *root = parse_node(ld, &ev);
		yaml_event_delete(&ev);
		return root;
	}
}

struct ynode *ydoc_load_mem(const char *name, const char *data, size_t len, struct buf *err)
{
	struct loader ld = { .name = name, .err = err };
	struct ynode *root;

	if (len > YDOC_MAX_BYTES) {
		buf_reset(err);
		buf_printf(err, "%s:1:1: file is larger than %u bytes, refusing to parse it",
			   name, YDOC_MAX_BYTES);
		return NULL;
	}
	if (!yaml_parser_initialize(&ld.parser)) {
		buf_reset(err);
		buf_printf(err, "%s: cannot initialise the YAML parser", name);
		return NULL;
	}
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)data, len);
	root = parse_root(&ld);
	yaml_parser_delete(&ld.parser);
	return root;
}

struct ynode *ydoc_load_file(const char *path, struct buf *err)
{
	struct buf text = BUF_INIT;
	char chunk[16384];
	size_t got;
	FILE *f = fopen(path, "rb");

	if (!f) {
		buf_reset(err);
		buf_printf(err, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		buf_add(&text, chunk, got);
		if (text.len > YDOC_MAX_BYTES)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		buf_reset(err);
		buf_printf(err, "%s: read error", path);
		buf_free(&text);
		return NULL;
	}
	struct ynode *root = ydoc_load_mem(path, text.data ? text.data : "", text.len, err);
	buf_free(&text);
	return root;
}

size_t ydoc_len(const struct ynode *node)
{
	if (!node || node->kind == YNODE_SCALAR)
		return 0;
	return node->kind == YNODE_MAP ? node->nitems / 2 : node->nitems;
}

struct ynode *ydoc_key(const struct ynode *map, size_t i)
{
	if (!map || map->kind != YNODE_MAP || i >= map->nitems / 2)
		return NULL;
	return map->items[2 * i];
}

struct ynode *ydoc_val(const struct ynode *node, size_t i)
{
	if (!node)
		return NULL;
	if (node->kind == YNODE_MAP)
		return i < node->nitems / 2 ? node->items[2 * i + 1] : NULL;
	if (node->kind == YNODE_SEQ)
		return i < node->nitems ? node->items[i] : NULL;
	return NULL;
}

struct ynode *ydoc_get(const struct ynode *map, const char *key)
{
	if (!map || map->kind != YNODE_MAP)
		return NULL; /* a sequence has items but no keys */
	for (size_t i = 0; i < ydoc_len(map); i++) {
		const struct ynode *k = ydoc_key(map, i);
		if (k->kind == YNODE_SCALAR && !strcmp(k->value, key))
			return ydoc_val(map, i);
	}
	return NULL;
}

const char *ydoc_str(const struct ynode *node)
{
	if (!node || node->kind != YNODE_SCALAR)
		return NULL;
	if (node->plain && (!*node->value || !strcmp(node->value, "~") ||
			    !strcmp(node->value, "null") || !strcmp(node->value, "Null") ||
			    !strcmp(node->value, "NULL")))
		return NULL;
	return node->value;
}

const char *ydoc_get_str(const struct ynode *map, const char *key)
{
	return ydoc_str(ydoc_get(map, key));
}

const char *ydoc_kind_name(enum ynode_kind kind)
{
	switch (kind) {
	case YNODE_SCALAR: return "a scalar";
	case YNODE_SEQ: return "a list";
	default: return "a mapping";
	}
}
