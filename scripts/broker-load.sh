#!/usr/bin/env bash
# Load run of issue #8: builds tip-broker, then scripts/brokerload starts the
# sandbox's broker scenario in-process, runs `tip-broker serve` against it
# and fires N credential requests from C goroutines released at once (a
# cold round, then a warm one), printing p50/p90/p99 latency, throughput,
# the JWKS fetch count (must be 1), the STS call counts (N each per round)
# and the broker's peak RSS. Exits non-zero when any check fails.
#
# Usage: scripts/broker-load.sh [--quick] [--runs N] [brokerload flags…]
#   --quick   one cold round of 200 requests (what CI runs)
#   --runs N  N independent runs (fresh sandbox and broker each) with the
#             median and range of p50/p99 (figures in docs/performance.md: 3)
# Other flags go to brokerload: --n, --concurrency, --json, --keep.
# Needs: go. Loopback only.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
LOAD_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-broker-load.XXXXXX")
trap 'rm -rf "$LOAD_TMP"' EXIT
trap 'exit 130' INT TERM

echo "--- building tip-broker and brokerload (CGO_ENABLED=0 -trimpath -ldflags '-s -w')" >&2
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$LOAD_TMP/" ./cmd/tip-broker ./scripts/brokerload)

# The broker gets only the settings brokerload gives it; keep ambient AWS
# settings out of this process too.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_BROKER_)' || true)

echo "--- $(nproc) CPUs, $(go version | cut -d' ' -f3-), load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$LOAD_TMP/brokerload" --broker "$LOAD_TMP/tip-broker" "$@"
