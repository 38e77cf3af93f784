/* `initc servers [--json]`: every known server profile, what it loads and
 * the image that ships it, and Seldon Core v2's capability lists. */
#include "verify_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"

static void servers_json(struct buf *out)
{
	size_t n, ncaps;
	const struct profile *all = profiles_all(&n);
	const char *const *caps;
	const char *kind;

	buf_adds(out, "{\"servers\":[");
	for (size_t i = 0; i < n; i++) {
		struct buf loads = BUF_INIT;
		profile_describe_loads(&all[i], &loads);
		buf_adds(out, i ? ",{\"name\":" : "{\"name\":");
		json_str(out, all[i].name);
		buf_adds(out, ",\"family\":");
		json_str(out, profile_family_name(all[i].family));
		buf_adds(out, ",\"loads\":");
		json_str(out, loads.data);
		buf_printf(out, ",\"model_settings_uri\":%s,\"library\":",
			   all[i].settings_uri ? "true" : "false");
		if (all[i].library)
			json_str(out, all[i].library);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"library_version\":");
		if (all[i].library_version)
			json_str(out, all[i].library_version);
		else
			buf_adds(out, "null");
		buf_adds(out, ",\"image\":");
		json_str(out, all[i].image);
		buf_addc(out, '}');
		buf_free(&loads);
	}
	buf_adds(out, "],\"seldon_v2_capabilities\":{");
	for (size_t k = 0; (caps = capabilities(k, &kind, &ncaps)); k++) {
		if (k)
			buf_addc(out, ',');
		json_str(out, kind);
		buf_adds(out, ":[");
		for (size_t i = 0; i < ncaps; i++) {
			if (i)
				buf_addc(out, ',');
			json_str(out, caps[i]);
		}
		buf_addc(out, ']');
	}
	buf_adds(out, "}}\n");
}

static void servers_table(struct buf *out)
{
	size_t n, ncaps;
	const struct profile *all = profiles_all(&n);
	const char *const *caps;
	const char *kind;

	buf_printf(out, "%-18s %-9s %-22s %s\n", "SERVER", "FAMILY", "LIBRARY", "LOADS");
	for (size_t i = 0; i < n; i++) {
		struct buf loads = BUF_INIT;
		char *lib = xasprintf("%s%s%s", all[i].library ? all[i].library : "-",
				      all[i].library_version ? "==" : "",
				      all[i].library_version ? all[i].library_version : "");
		profile_describe_loads(&all[i], &loads);
		if (all[i].settings_uri)
			buf_adds(&loads, "; or model-settings.json parameters.uri");
		buf_printf(out, "%-18s %-9s %-22s %s [%s]\n", all[i].name,
			   profile_family_name(all[i].family), lib, loads.data, all[i].image);
		free(lib);
		buf_free(&loads);
	}
	buf_adds(out, "\nSeldon Core v2 capabilities (requirements must equal one of them):\n");
	for (size_t k = 0; (caps = capabilities(k, &kind, &ncaps)); k++) {
		buf_printf(out, "  %-9s", kind);
		for (size_t i = 0; i < ncaps; i++)
			buf_printf(out, "%s%s", i ? "," : "", caps[i]);
		buf_addc(out, '\n');
	}
}

static int usage(void)
{
	fprintf(stderr, "usage: initc servers [--json]\n");
	return EXIT_USAGE;
}

int cmd_servers(int argc, char **argv)
{
	int json = 0;
	struct buf out = BUF_INIT;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else
			return usage();
	}
	if (json)
		servers_json(&out);
	else
		servers_table(&out);
	fputs(out.data, stdout);
	buf_free(&out);
	return fflush(stdout) ? EXIT_LOCALIO : 0;
}
