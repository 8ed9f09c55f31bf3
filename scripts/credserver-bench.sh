#!/usr/bin/env bash
# Benchmark of issue #15: the credential endpoint of `tip-cli serve` on its
# warm path (bounded loopback load: C clients for D seconds, at most 200000
# requests) and the latency a client waits for at a refresh point, against
# `tip-cli demo serve` with 150 s sessions (due for refresh at 15 s of age,
# credproc's policy for short sessions; the server refreshes it ahead at
# 7.5 s). Figures go to docs/performance.md.
#
# Usage: [LATENCY=100ms] [TIP_CLI_BIN=PATH] scripts/credserver-bench.sh [--quick]
#   --quick   2 s warm run, 1 refresh point (CI smoke run); default 10 s, 3
#   LATENCY      delay of each sandbox STS / SSO OIDC answer (default 0s;
#                100ms models real endpoints: `demo serve --aws-latency`)
#   TIP_CLI_BIN  sign in and serve with that tip-cli build instead (before /
#                after figures); the sandbox is always this tree's
# Needs: go, curl, python3.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=credserver-bench
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
DURATION=10s REFRESHES=3 CONCURRENCY=32
[[ ${1:-} == --quick ]] && DURATION=2s REFRESHES=1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-csbench.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/tip-cli" ./cmd/tip-cli &&
	go build -o "$TMP/load" ./scripts/credserverload) || die "go build failed"
# TIP_CLI_BIN measures another build (a "before" figure) with the same load.
TIP=${TIP_CLI_BIN:-$TMP/tip-cli}
isolate
export AWS_TIP_CLI=$TMP/home TIP_CLI_STORE=file BROWSER="curl -fsSL -o /dev/null"

start_sandbox "$TMP/tip-cli" "$TMP" --session-lifetime 150s --aws-latency "${LATENCY:-0s}"
PIDS+=("$SANDBOX_PID")
# shellcheck disable=SC1091
. "$TMP/env"
"$TIP" configure idp --provider oidc --config "$TMP/profile.json" >/dev/null 2>&1 || die "configure failed"
"$TIP" auth >/dev/null 2>"$TMP/auth.err" || { cat "$TMP/auth.err" >&2; die "sign-in failed"; }

"$TIP" --debug serve --token-file "$TMP/token" >"$TMP/exports" 2>"$TMP/serve.log" &
PIDS+=($!)
for _ in $(seq 1 300); do [[ -s $TMP/exports ]] && break; sleep 0.1; done
url=$(sed -n 's/^export AWS_CONTAINER_CREDENTIALS_FULL_URI=//p' "$TMP/exports")
[[ -n $url ]] || { cat "$TMP/serve.log" >&2; die "serve did not start"; }

echo "$(go version | cut -d' ' -f3) $(uname -sm), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); sandbox AWS latency ${LATENCY:-0s}"
"$TMP/load" --url "$url" --token-file "$TMP/token" --concurrency "$CONCURRENCY" --duration "$DURATION" --refreshes "$REFRESHES"
chains=$(grep -c 'exchange chain complete' "$TMP/serve.log" || true)
waited=$(grep -c 'refreshed=true' "$TMP/serve.log" || true)
ahead=$(grep -c 'refreshed ahead' "$TMP/serve.log" || true)
echo "refresh chains run by the server: $chains for $REFRESHES refresh points ($ahead in the background); requests that waited for one: $waited"
# Refreshing ahead, the server also refreshes during the warm run when a
# session reaches its refresh point there (every 7.5 s of a 150 s session).
((chains >= REFRESHES)) || die "want at least $REFRESHES chains"
