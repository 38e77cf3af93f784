#!/usr/bin/env bash
# Lint Dockerfiles: dockerfile-utils (tests/lib/dockerlint.js), then every
# shell-form RUN through `bash -n` with continuation lines joined.
# Usage: tests/lib/dockerlint.sh Dockerfile...   exit 0 when all are clean.
here=$(cd "$(dirname "$0")" && pwd)
rc=0
node "$here/dockerlint.js" "$@" || rc=1
for f in "$@"; do
	# Join "\"-continued lines; comment lines inside an instruction are dropped
	# as Docker drops them. Print one RUN command per line, NUL-separated.
	awk '
		cont == "" && /^[ \t]*#/ { next }
		cont != "" && /^[ \t]*#/ { next }
		{
			line = $0
			if (sub(/\\[ \t]*$/, "", line)) { cont = cont line; if (!start) start = NR; next }
			cont = cont line
			if (!start) start = NR
			if (cont ~ /^[ \t]*[Rr][Uu][Nn][ \t]/) {
				cmd = cont
				sub(/^[ \t]*[Rr][Uu][Nn][ \t]+/, "", cmd)
				while (cmd ~ /^--[a-z]+(=[^ \t]*)?[ \t]/) sub(/^--[a-z]+(=[^ \t]*)?[ \t]+/, "", cmd)
				if (cmd !~ /^\[/) printf "%d\t%s%c", start, cmd, 0
			}
			cont = ""; start = 0
		}' "$f" |
	while IFS= read -r -d '' entry; do
		line=${entry%%$'\t'*}
		cmd=${entry#*$'\t'}
		if ! err=$(bash -n -c "$cmd" 2>&1); then
			echo "$f:$line: RUN is not valid shell: $err"
			exit 1
		fi
	done || rc=1
done
exit $rc
