/* What every struct tree shares (see tree.h). */
#include "tree.h"

void tree_close(struct tree *t)
{
	if (t)
		t->close(t);
}
