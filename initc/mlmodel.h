/* MLflow's MLmodel file, reduced to what decides where a model can be
 * served: its flavors, the file or folder each flavor names, the library
 * version each was saved with, and the environment files. */
#ifndef INITC_MLMODEL_H
#define INITC_MLMODEL_H

#include <stddef.h>
#include "buf.h"

struct mlflavor {
	char *name;          /* flavor key: xgboost, sklearn, python_function... */
	char *file;          /* file or folder it names, relative; NULL if none */
	const char *file_key;/* the key that named it (data, pickled_model...) */
	char *library;       /* pip name of its library (xgboost, scikit-learn) */
	char *lib_version;   /* version the model was saved with, or NULL */
	char *format;        /* model_format / serialization_format, or NULL */
	int line, col;       /* where the file key sits, for messages */
};

/* Other files the model needs: python_function artifacts and code. */
struct mlref {
	char *path;          /* relative to the model folder */
	char *what;          /* "python_function.artifacts.encoder" */
	int line, col;
};

struct mlmodel {
	struct mlflavor *flavors;
	size_t nflavors;
	struct mlref *refs;
	size_t nrefs;
	char *loader_module;  /* python_function.loader_module */
	char *python_version;
	char *mlflow_version;
	/* python_function.env: MLflow >= 2 map {conda, virtualenv}; MLflow
	 * 1.x a plain string naming the conda file (env_legacy = 1). */
	char *env_conda;
	char *env_virtualenv;
	int env_legacy;
};

/* Parse MLmodel text; name is what errors print ("model/MLmodel").
 * Returns 0, or EXIT_INPUT with "name:line:col: what" in err. */
int mlmodel_parse(const char *name, const char *data, size_t len,
		  struct mlmodel *m, struct buf *err);
void mlmodel_free(struct mlmodel *m);
const struct mlflavor *mlmodel_flavor(const struct mlmodel *m, const char *name);
/* The flavor that holds the actual model (not python_function), or NULL. */
const struct mlflavor *mlmodel_main_flavor(const struct mlmodel *m);
/* "python_function,xgboost" into out. */
void mlmodel_flavor_list(const struct mlmodel *m, struct buf *out);

#endif
