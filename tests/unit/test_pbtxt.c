/* Top-level string fields of a Triton config.pbtxt (initc/pbtxt.h):
 * nested fields of the same name, comments and quoted braces must not
 * be mistaken for the model's own name. */
#include <stdlib.h>
#include <string.h>

#include "pbtxt.h"
#include "t.h"

static char *get(const char *text, const char *key)
{
	return pbtxt_top_string(text, strlen(text), key);
}

static void check_field(const char *text, const char *key, const char *want)
{
	char *got = get(text, key);
	if (want)
		CHECK_STR(got, want);
	else
		CHECK(got == NULL);
	free(got);
}

int main(void)
{
	const char *one_line = "input [ { name: \"float_input\" dims: [ 4 ] } ]\n"
			       "name: \"iris\"\nbackend: \"onnxruntime\"\n";
	check_field(one_line, "name", "iris");        /* the nested name comes first */
	check_field(one_line, "backend", "onnxruntime");
	check_field(one_line, "platform", NULL);

	const char *tricky = "# name: \"commented\"\n"
			     "parameters { key: \"x\" value: { string_value: \"}\" } }\n"
			     "platform:'tensorflow_savedmodel'\n"
			     "model_name: \"not-this\"\n"
			     "name : \"real\" # trailing comment\n";
	check_field(tricky, "name", "real");          /* not the comment, not model_name */
	check_field(tricky, "platform", "tensorflow_savedmodel");

	check_field("name: iris\n", "name", NULL);    /* not a quoted string */
	check_field("name: \"unterminated\n", "name", NULL);
	check_field("", "name", NULL);
	check_field("}}}] name: \"after stray closers\"", "name", "after stray closers");
	check_field("output [ { name: \"label\" } ]", "name", NULL);
	return T_DONE();
}
