#!/usr/bin/env bash
# build-progress.sh WHAT runs the rest of its arguments (a `go build -v` or
# `go install -v`), and prints, instead of the package names Go lists as it
# compiles them, one line every 20 s saying how many it has compiled and for
# how long, then one line when it is done. Any other output (a compile
# error) is passed through. Its exit status is the command's.
set -uo pipefail
what=$1
shift
start=$SECONDS last=$SECONDS n=0
"$@" 2>&1 | {
	while IFS= read -r line; do
		if [[ $line =~ ^[A-Za-z0-9._~/-]+$ ]]; then
			n=$((n + 1))
			if ((SECONDS - last >= 20)); then
				echo "  $what: $n packages compiled, $((SECONDS - start)) s"
				last=$SECONDS
			fi
		else
			printf '%s\n' "$line"
		fi
	done
	echo "  $what: done in $((SECONDS - start)) s ($n packages compiled, the rest from Go's build cache)"
}
exit "${PIPESTATUS[0]}"
