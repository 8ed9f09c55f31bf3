#!/usr/bin/env bash
# testtime.sh [REV...]: wall time of `go test ./... -count=1` with a warm
# build cache, for the checked-out tree or for each git revision given
# (exported with git archive into a temporary directory, so the working tree
# is left alone). The cache is warmed first by building every test binary
# without running a test, so the figure is running time plus linking, not
# compiling. It also prints the floor: the same command running no test,
# which is what linking and starting the test binaries costs.
# Run it on a quiet machine: other load inflates every figure.
#   scripts/testtime.sh                  # this tree
#   scripts/testtime.sh c1b131d HEAD     # before / after, same session
#   RUNS=3 scripts/testtime.sh ...       # best of 3 per tree
#   COLD=1 scripts/testtime.sh ...       # compile included: each run gets an
#                                        # empty GOCACHE (modules stay cached)
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUNS=${RUNS:-1}

# timed DIR LABEL LOG [ENV=V...] -- GO-TEST-ARGS: runs `go test ./...
# -count=1 ARGS` in DIR with the environment given, output in LOG, and
# prints its wall seconds; a failing run stops the script.
timed() {
	local dir=$1 label=$2 log=$3 start end
	shift 3
	local env=()
	while [[ $1 != -- ]]; do env+=("$1"); shift; done
	shift
	start=$(date +%s.%N)
	if ! (cd "$dir" && env "${env[@]}" go test ./... -count=1 "$@" >"$log" 2>&1); then
		grep -E '^(FAIL|---)' "$log" | head -20 >&2
		echo "testtime: go test failed in $label (log: $log)" >&2
		exit 1
	fi
	end=$(date +%s.%N)
	awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }'
}

# measure DIR LABEL: warm the cache, then time the floor once and the
# suite RUNS times; with COLD, the suite once with an empty build cache.
measure() {
	local dir=$1 label=$2 best="" i secs log floor binaries cache
	log=$(mktemp "${TMPDIR:-/tmp}/testtime.XXXXXX")
	if [[ -n ${COLD:-} ]]; then
		cache=$(mktemp -d "${TMPDIR:-/tmp}/testtime-cache.XXXXXX")
		secs=$(timed "$dir" "$label" "$log" GOCACHE="$cache" --)
		echo "$label: go test ./... -count=1 (empty build cache, compile included) ${secs}s wall"
		rm -rf "$cache" "$log"
		return
	fi
	timed "$dir" "$label" "$log" -- -run '^$' >/dev/null
	# The floor: linking and starting every test binary, running no test
	# (go1.26 relinks each test binary on every run; nothing caches it).
	floor=$(timed "$dir" "$label" "$log" -- -run '^$')
	binaries=$(cd "$dir" && go list -f '{{if or .TestGoFiles .XTestGoFiles}}x{{end}}' ./... | grep -c x)
	for i in $(seq 1 "$RUNS"); do
		secs=$(timed "$dir" "$label" "$log" --)
		echo "$label run $i: ${secs}s wall"
		if [[ -z $best ]] || awk -v a="$secs" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$secs; fi
	done
	echo "$label: go test ./... -count=1 (warm cache) ${best}s wall (best of $RUNS)"
	echo "$label: floor (link and start $binaries test binaries, -run '^\$') ${floor}s wall"
	echo "$label: slowest packages:"
	awk '$1 == "ok" { sub(/s$/, "", $3); print $3, $2 }' "$log" | sort -rn | head -6 | sed 's/^/  /'
	rm -f "$log"
}

if [[ $# -eq 0 ]]; then
	measure "$ROOT" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo tree)"
	exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/testtime.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for rev in "$@"; do
	short=$(git -C "$ROOT" rev-parse --short "$rev")
	mkdir -p "$tmp/$short"
	git -C "$ROOT" archive "$rev" | tar -x -C "$tmp/$short"
	measure "$tmp/$short" "$short"
done
