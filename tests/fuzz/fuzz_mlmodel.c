/* MLflow's MLmodel file: mlmodel_parse and the lookups initc makes. */
#include "exitcode.h"
#include "fuzz.h"
#include "mlmodel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mlmodel m;
	struct buf err = BUF_INIT, list = BUF_INIT;
	int rc = mlmodel_parse("MLmodel", (const char *)data, size, &m, &err);

	if (rc == 0) {
		const struct mlflavor *f = mlmodel_main_flavor(&m);
		if (f && !mlmodel_flavor(&m, f->name))
			abort();
		for (size_t i = 0; i < m.nflavors; i++)
			if (!m.flavors[i].name || m.flavors[i].line < 1)
				abort();
		mlmodel_flavor_list(&m, &list);
		mlmodel_free(&m);
	} else if (rc != EXIT_INPUT || !err.len) {
		abort(); /* documented: EXIT_INPUT with a message */
	}
	buf_free(&list);
	buf_free(&err);
	return 0;
}
