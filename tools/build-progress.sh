#!/usr/bin/env bash
# build-progress.sh WHAT COMMAND... runs COMMAND (a `go build -v` or
# `go install -v`) and prints, instead of the package names Go lists as it
# compiles them, one line every 20 s saying how many it has compiled and for
# how long, then one line when it ends. Any other output (a compile error)
# is passed through. Its exit status is the command's.
set -uo pipefail
what=$1
shift
start=$SECONDS
filter() {
	local n=0 last=$SECONDS line
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
	echo "$n" > "$count"
}
count=$(mktemp)
trap 'rm -f "$count"' EXIT
exec 3> >(filter)
filter_pid=$!
"$@" >&3 2>&1
rc=$?
exec 3>&-
wait "$filter_pid"
n=$(cat "$count")
if ((rc == 0)); then
	echo "  $what: done in $((SECONDS - start)) s (${n:-0} packages compiled, the rest from Go's build cache)"
else
	echo "  $what: failed after $((SECONDS - start)) s (exit status $rc)" >&2
fi
exit "$rc"
