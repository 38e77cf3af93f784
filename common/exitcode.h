/* Exit codes shared by initc and prebake, one per failure class.
 * They are part of the interface: README.md documents them and the
 * tests assert them, so never renumber. */
#ifndef COMMON_EXITCODE_H
#define COMMON_EXITCODE_H

enum exit_code {
	EXIT_OK = 0,
	EXIT_USAGE = 2,       /* bad command line, bad or missing configuration */
	EXIT_AUTH = 3,        /* credentials refused (401/403, bad signature) */
	EXIT_NOTFOUND = 4,    /* bucket, object or prefix does not exist */
	EXIT_NETWORK = 5,     /* retries exhausted: connect, timeout, 5xx */
	EXIT_INTEGRITY = 6,   /* size/MD5 mismatch, bad Content-Range, bad archive */
	EXIT_LOCALIO = 7,     /* destination not writable, disk full */
	EXIT_VERIFY = 8,      /* model does not fit the target server */
	EXIT_UNSAFE = 9,      /* key or archive entry would escape DEST */
	EXIT_INPUT = 10,      /* malformed input file (YAML, requirements) */
	EXIT_POLICY = 11,     /* input valid but refused by policy (--strict) */
	EXIT_INTERNAL = 70,   /* a bug: please report it */
};

const char *exit_code_name(int code);

#endif
