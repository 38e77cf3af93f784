/* Run-wide settings, read from rclone's global variables (FACTS §2) and
 * initc's own INITC_* variables. */
#ifndef INITC_GLOBALS_H
#define INITC_GLOBALS_H

#include "buf.h"

struct globals {
	long long transfers;          /* RCLONE_TRANSFERS: connections at once */
	long long retries;            /* RCLONE_LOW_LEVEL_RETRIES: attempts per request */
	long long timeout_ms;         /* RCLONE_TIMEOUT: idle time before a stall aborts */
	long long contimeout_ms;      /* RCLONE_CONTIMEOUT */
	long long cutoff;             /* RCLONE_MULTI_THREAD_CUTOFF: split objects above this */
	long long streams;            /* RCLONE_MULTI_THREAD_STREAMS: parts of one object at once */
	long long chunk;              /* RCLONE_MULTI_THREAD_CHUNK_SIZE: largest part of a split object */
	int no_check_certificate;     /* RCLONE_NO_CHECK_CERTIFICATE */
	const char *ca_file;          /* RCLONE_CA_CERT, else AWS_CA_BUNDLE */
	long long progress_ms;        /* INITC_PROGRESS_INTERVAL */
	int no_unpack;                /* INITC_NO_UNPACK */
	int ignore_checksum;          /* RCLONE_IGNORE_CHECKSUM: size only, no MD5 */
	long long total_ms;           /* not a variable: one attempt's whole time, 0 for none
					 (set by aws_http for the credential services) */
};

/* Defaults, then the environment. EXIT_USAGE naming the variable when a
 * value cannot be parsed or is out of range. */
int globals_from_env(struct globals *g, struct buf *err);

#endif
