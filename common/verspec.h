/* Versions and version specifiers, as the requirement files of models and
 * servers write them: PEP 440 clauses ("<=2.5.0", "~=2.1.1", "==1.2.*",
 * ">=5.4,<=6.0") and poetry's ("^1.2", "~1.3.0", "*", "1.4.2"). One
 * reading for initc's server checks and prebake's Requires-Python check. */
#ifndef COMMON_VERSPEC_H
#define COMMON_VERSPEC_H

/* Where a version lies relative to a specifier. */
enum verspec_place {
	VERSPEC_UNKNOWN = -1, /* either side is not something this code reads */
	VERSPEC_IN = 0,
	VERSPEC_BELOW,        /* a lower bound refuses it: too old */
	VERSPEC_ABOVE,        /* an upper bound refuses it: too new */
	VERSPEC_EXCLUDED,     /* a != clause refuses it */
};

/* Compare two versions: release numbers numerically ("1.10" > "1.9",
 * "1.4" == "1.4.0"), then pre < final < post; a local "+cpu" is ignored.
 * A tail this code does not read ("1.2.x") compares as the final release. */
int version_cmp(const char *a, const char *b);

/* Where v lies relative to spec ("" and "*" admit everything). */
enum verspec_place verspec_place(const char *v, const char *spec);

/* 1 when v satisfies spec, 0 when not, -1 when either cannot be read. */
int verspec_holds(const char *v, const char *spec);

/* The version pip settles on under spec for a version at place: "2.5.0"
 * for "==2.5.0", and for "<=2.5.0" when place is VERSPEC_ABOVE (pip takes
 * the newest release allowed); else NULL. Returns a pointer into spec
 * and its length in *len. */
const char *verspec_target(const char *spec, enum verspec_place place, int *len);

#endif
