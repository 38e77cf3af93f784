/* Finding and reading the environment files MLflow writes: a model folder
 * (through MLmodel's python_function env), a conda.yaml, or a
 * python_env.yaml with its requirements files. */
#ifndef PREBAKE_ENVLOAD_H
#define PREBAKE_ENVLOAD_H

#include "deps.h"

/* env_manager: NULL or "auto", "conda", "virtualenv" (MLflow's words).
 * Auto picks virtualenv when MLmodel offers it, unless conda.yaml needs
 * conda packages beyond python and pip. Returns 0, or EXIT_INPUT /
 * EXIT_USAGE with "file:line:col: what, and what to do" in err. */
int env_load(const char *input, const char *env_manager, struct env *env, struct buf *err);

#endif
