/* The pin audit: how tightly every dependency is pinned, as a table. */
#ifndef PREBAKE_AUDIT_H
#define PREBAKE_AUDIT_H

#include "deps.h"

struct audit_counts {
	int exact, range, unpinned;
};

/* Append the table (one row per dependency, then a totals line) to out. */
void audit_table(const struct env *env, struct buf *out, struct audit_counts *counts);

/* --strict: every installed dependency exact, python pinned. Returns 0,
 * or EXIT_POLICY with one "file:line:col: what" line per offender in err. */
int audit_strict(const struct env *env, struct buf *err);

/* A pip dependency's pin once a -c constraint on the same name counts. */
enum pin_class audit_effective_pin(const struct env *env, const struct dep *d);

/* The dependency on mlflow (conda's, else pip's), or NULL when the
 * environment lists none. */
const struct dep *audit_find_mlflow(const struct env *env);
/* The version constraints.txt must hold mlflow at: MLmodel's mlflow_version
 * when pip would install mlflow without an exact pin; else NULL. */
const char *audit_mlflow_hold(const struct env *env);

/* How many requirements carry --hash (pip's hash-checking mode starts
 * with the first), and in installed how many requirements there are. */
size_t audit_hashed(const struct env *env, size_t *installed);

#endif
