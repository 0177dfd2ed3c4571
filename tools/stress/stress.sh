#!/usr/bin/env bash
# stress.sh N HOGS OUT PACKAGE... runs `go test -count=1` of each package N
# times while HOGS busy loops (`yes > /dev/null`) keep the cores busy, and
# prints per package the pass count and the slowest run.
#
# By default a round runs every package once, in order. With
# STRESS_PARALLEL=1 each package's N runs are a stream of their own (one
# run after another), and the streams run side by side: every package runs
# beside the others and beside the busy loops, which adds load rather than
# removing it, and the whole takes about as long as the slowest package's
# N runs.
#
# The busy loops are started here and killed by their PIDs when the script
# ends, however it ends; so are the streams and the tests they run. Every
# run's output is kept in OUT/<package>-<run>.log, and each finished run
# adds a line to OUT/results (package, run, ok or FAIL, seconds, log), so
# a run stopped early still says what completed. Extra `go test` flags come
# from $STRESS_GO_TEST_FLAGS. It exits non-zero when any run failed.
set -uo pipefail
n=$1 hogs=$2 out=$3
shift 3
parallel=${STRESS_PARALLEL:-0}
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "stress: N must be a positive integer, got \"$n\"" >&2; exit 2; }
[[ $hogs =~ ^[0-9]+$ ]] || { echo "stress: STRESS_HOGS must be a number, got \"$hogs\"" >&2; exit 2; }
[[ $parallel =~ ^[01]$ ]] || { echo "stress: STRESS_PARALLEL must be 0 or 1, got \"$parallel\"" >&2; exit 2; }
(($# > 0)) || { echo "stress: no package to run" >&2; exit 2; }
packages=("$@")
mkdir -p "$out"
results=$out/results
: > "$results"

# summary prints the table of what has finished (also when a signal ended
# the run early) and fails when a run failed.
summary() {
	echo
	printf '%-32s %8s %12s %s\n' package passed "slowest (s)" "run"
	for pkg in "$@"; do
		awk -v pkg="$pkg" -v n="$n" '
			$1 == pkg { runs++; if ($3 == "ok") pass++; if ($4 + 0 > slow + 0) { slow = $4; at = $2 } }
			END { printf "%-32s %4d/%-3d %12.1f %s%s\n", pkg, pass, n, slow, (at == "" ? "-" : at), (runs < n ? sprintf(" (%d of %d runs finished)", runs, n) : "") }
		' "$results"
	done
	if grep -q ' FAIL ' "$results"; then
		echo
		echo "stress: failed runs:"
		awk '$3 == "FAIL" { print "  " $5 }' "$results"
		return 1
	fi
}

pids=() streams=() test=
stop_all() {
	# The test running when a signal came goes too (by its PID), and so
	# does each stream (which stops its own test).
	if [[ -n $test ]]; then kill "$test" 2>/dev/null; wait "$test" 2>/dev/null; fi
	for p in "${streams[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${streams[@]}"; do wait "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=() streams=() test=
}
trap stop_all EXIT
trap 'stop_all; summary "${packages[@]}"; exit 130' INT TERM
for ((i = 0; i < hogs; i++)); do
	yes > /dev/null &
	pids+=($!)
done
mode=sequential
((parallel)) && mode="parallel streams"
echo "stress: $n runs each of $* ($mode); $hogs busy loops (pids ${pids[*]:-none}); logs in $out"

# run_once PKG R runs the package once and appends its result line.
run_once() {
	local pkg=$1 r=$2 log start rc secs result
	log="$out/$(echo "${pkg#./}" | tr '/' '_' | sed 's/_*$//;s/\.\.\.//')-$r.log"
	start=$(date +%s.%N)
	# shellcheck disable=SC2086
	# In the background, so that a signal is handled at once, not after
	# the test.
	go test -count=1 ${STRESS_GO_TEST_FLAGS:-} "$pkg" > "$log" 2>&1 &
	test=$!
	wait "$test"
	rc=$? test=
	secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	result=ok
	((rc == 0)) || result=FAIL
	printf '%s %d %s %s %s\n' "$pkg" "$r" "$result" "$secs" "$log" >> "$results"
	printf 'stress: %s %-32s run %d/%d %-4s %7.1f s  %s\n' "$(date -u +%H:%M:%S)" "$pkg" "$r" "$n" "$result" "$secs" "$log"
}

if ((parallel)); then
	for pkg in "$@"; do
		(
			test=
			trap 'if [[ -n $test ]]; then kill "$test" 2>/dev/null; wait "$test" 2>/dev/null; fi; exit 130' TERM INT
			trap - EXIT
			for ((r = 1; r <= n; r++)); do run_once "$pkg" "$r"; done
		) &
		streams+=($!)
	done
	for p in "${streams[@]}"; do wait "$p"; done
	streams=()
else
	for ((r = 1; r <= n; r++)); do
		for pkg in "$@"; do run_once "$pkg" "$r"; done
	done
fi
stop_all
trap - EXIT
summary "$@"
