#!/usr/bin/env bash
# Benchmark of issue 21: the wall time of one refresh in each TIP mode,
# `tip-cli auth get-iam-credentials --force-refresh --non-interactive` as a
# whole process (IdP refresh + the mode's chain + save), interleaved in one
# run against two `tip-cli demo serve` sandboxes on loopback (one per mode).
# Also prints the round trips each refresh made, read from --debug (the IdP
# refresh and each chain step the client completed).
#
# Each STS / SSO OIDC answer is delayed by LATENCY (default 100ms, `demo
# serve --aws-latency`) to model a real endpoint's round trip; the IdP
# answers at loopback speed in both modes.
#
# Usage: LATENCY=100ms scripts/refresh-bench.sh [--runs N]   (default 25)
# Needs: go, curl, python3.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=refresh-bench
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
RUNS=25
LATENCY=${LATENCY:-100ms}
[[ ${1:-} == --runs ]] && RUNS=$2

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-refresh-bench.XXXXXX")
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/tip-cli" ./cmd/tip-cli) || die "go build failed"
isolate
export BROWSER="curl -fsSL -o /dev/null" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null

variants=()
for mode in identity-center iam-federation; do
	d=$TMP/$mode
	mkdir -p "$d/home"
	start_sandbox "$TMP/tip-cli" "$d/sb" --tip-mode "$mode" --aws-latency "$LATENCY"
	PIDS+=("$SANDBOX_PID")
	endpoint=$(sed -n 's/^export AWS_ENDPOINT_URL=//p' "$d/sb/env" | tr -d "'\"")
	run=(/usr/bin/env AWS_TIP_CLI="$d/home" TIP_CLI_STORE=file AWS_ENDPOINT_URL="$endpoint" AWS_REGION=us-east-1 "$TMP/tip-cli")
	"${run[@]}" configure idp --provider oidc --config "$d/sb/profile.json" >/dev/null 2>&1 || die "configure ($mode)"
	"${run[@]}" auth --timeout 30s >/dev/null 2>"$d/auth.err" || { show "$d/auth.err"; die "sign-in ($mode)"; }
	"${run[@]}" --debug auth get-iam-credentials --force-refresh --non-interactive >/dev/null 2>"$d/debug.err" || die "debug refresh ($mode)"
	idp=$(grep -c 'identity provider tokens refreshed' "$d/debug.err" || true)
	aws=$(grep -c 'chain step complete' "$d/debug.err" || true)
	echo "$mode: round trips per refresh: $idp IdP + $aws AWS"
	variants+=("$mode=${run[*]} auth get-iam-credentials --force-refresh --non-interactive")
done

python3 "$ROOT/scripts/interleave.py" "$RUNS" "$TMP" "${variants[@]}"
echo "AWS latency per call: $LATENCY"
printf '%-16s %6s %10s %10s %10s\n' mode runs median_ms p90_ms cpu_ms
for mode in identity-center iam-federation; do
	sort -n "$TMP/$mode.us" | awk -v m="$mode" '{a[NR]=$1} END {printf "%-16s %6d %10.1f %10.1f", m, NR, a[int((NR+1)/2)]/1000, a[int(NR*0.9+0.5)]/1000}'
	sort -n "$TMP/$mode.cpu" | awk '{a[NR]=$1} END {printf " %10.1f\n", a[int((NR+1)/2)]/1000}'
done
