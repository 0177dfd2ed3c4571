#!/usr/bin/env bash
# stress.sh N HOGS OUT PACKAGE... runs `go test -count=1` of each package N
# times (a round runs every package once, in order) while HOGS busy loops
# (`yes > /dev/null`) keep the cores busy, and prints per package the pass
# count and the slowest run. The busy loops are started here and killed by
# their PIDs when the script ends, however it ends. Every run's output is
# kept in OUT/<package>-<round>.log. Extra `go test` flags come from
# $STRESS_GO_TEST_FLAGS. It exits non-zero when any run failed.
set -uo pipefail
n=$1 hogs=$2 out=$3
shift 3
[[ $n =~ ^[1-9][0-9]*$ ]] || { echo "stress: N must be a positive integer, got \"$n\"" >&2; exit 2; }
[[ $hogs =~ ^[0-9]+$ ]] || { echo "stress: STRESS_HOGS must be a number, got \"$hogs\"" >&2; exit 2; }
(($# > 0)) || { echo "stress: no package to run" >&2; exit 2; }
mkdir -p "$out"

pids=() test=
stop_hogs() {
	# The test running when a signal came goes too (by its PID).
	if [[ -n $test ]]; then kill "$test" 2>/dev/null; wait "$test" 2>/dev/null; fi
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	pids=() test=
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM
for ((i = 0; i < hogs; i++)); do
	yes > /dev/null &
	pids+=($!)
done
echo "stress: $n rounds of $*; $hogs busy loops (pids ${pids[*]:-none}); logs in $out"

declare -A pass slowest slowround
for pkg in "$@"; do pass[$pkg]=0 slowest[$pkg]=0 slowround[$pkg]=-; done
failed=()
for ((r = 1; r <= n; r++)); do
	for pkg in "$@"; do
		log="$out/$(echo "${pkg#./}" | tr '/' '_' | sed 's/_*$//;s/\.\.\.//')-$r.log"
		start=$(date +%s.%N)
		# shellcheck disable=SC2086
		# In the background, so that a signal is handled at once, not
		# after the test.
		go test -count=1 ${STRESS_GO_TEST_FLAGS:-} "$pkg" > "$log" 2>&1 &
		test=$!
		wait "$test"
		rc=$? test=
		secs=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
		if ((rc == 0)); then
			pass[$pkg]=$((pass[$pkg] + 1)) result=ok
		else
			failed+=("$log") result=FAIL
		fi
		if awk -v a="$secs" -v b="${slowest[$pkg]}" 'BEGIN { exit !(a > b) }'; then slowest[$pkg]=$secs slowround[$pkg]=$r; fi
		printf 'stress: round %d/%d %-32s %-4s %7.1f s  %s\n' "$r" "$n" "$pkg" "$result" "$secs" "$log"
	done
done
stop_hogs

echo
printf '%-32s %8s %12s %s\n' package passed "slowest (s)" "round"
for pkg in "$@"; do
	printf '%-32s %4d/%-3d %12.1f %s\n' "$pkg" "${pass[$pkg]}" "$n" "${slowest[$pkg]}" "${slowround[$pkg]}"
done
if ((${#failed[@]} > 0)); then
	echo
	echo "stress: ${#failed[@]} failed runs:"
	printf '  %s\n' "${failed[@]}"
	exit 1
fi
