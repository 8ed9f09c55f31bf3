#!/usr/bin/env bash
# Benchmarks of issues #3 and #17: the warm-cache `tip-cli auth
# get-iam-credentials` and the lean `tip-credential-process auth
# get-iam-credentials` as whole processes, interleaved in one run with a
# minimal Go program built the same way (the floor), file store, plus both
# with the keyring store when a Secret Service can be started; then 16
# concurrent lean callers on an expired session, counting the refresh
# chains. Runs against `tip-cli demo serve` on loopback. Issue #14 adds the
# keyring reads per warm call (real Secret Service, and each platform's item
# limit through the counting keyring of the Go tests). Issue #23 runs all
# five variants interleaved in one run inside the Secret Service's session
# (gnome-keyring under dbus-run-session, as CI's keyring section): the
# floor, the lean binary and tip-cli with the file store, and both with the
# automatic (keyring) store; and reports the store activity of a warm call
# with the profile key in the kernel keyring cache and of a cache miss.
#
# Usage: scripts/bench.sh [--quick] [--runs N] [--bin DIR]
#   --quick   5 runs, no keyring variant (CI smoke run)
#   --runs N  timed runs per variant (default 30, at least 25 for figures)
#   --bin DIR time DIR/tip-cli and DIR/tip-credential-process instead of
#             building them (e.g. an earlier commit's, for before/after)
# Needs: go, curl, python3; /usr/bin/time for peak RSS; dbus-run-session,
# gnome-keyring-daemon, secret-tool and keyctl (keyutils) for the keyring
# variant.
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=bench
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
SELF=$ROOT/scripts/bench.sh
CONCURRENCY=16

# ---------------------------------------------------------------------------
# measurement helpers (also used by the keyring run inside dbus-run-session)

# measure NAME RUNS CMD...: RUNS timed runs (after 2 warm-up runs) and RUNS
# runs under /usr/bin/time for the peak RSS; appends
# "NAME runs median_ms p90_ms peak_rss_kb" to $BENCH_TMP/results.
measure() {
	local name=$1 runs=$2 i s e
	shift 2
	local times=$BENCH_TMP/$name.us rss=$BENCH_TMP/$name.kb
	: >"$times"
	: >"$rss"
	for i in 1 2; do "$@" >/dev/null 2>"$BENCH_TMP/err" || { cat "$BENCH_TMP/err" >&2; echo "bench: $name failed" >&2; return 1; }; done
	for ((i = 0; i < runs; i++)); do
		s=$EPOCHREALTIME
		"$@" >/dev/null 2>"$BENCH_TMP/err" || { cat "$BENCH_TMP/err" >&2; echo "bench: $name failed" >&2; return 1; }
		e=$EPOCHREALTIME
		echo $((${e/./} - ${s/./})) >>"$times"
	done
	if [[ -x /usr/bin/time ]]; then
		for ((i = 0; i < runs; i++)); do
			/usr/bin/time -f %M -o "$BENCH_TMP/rss1" "$@" >/dev/null 2>/dev/null
			tail -1 "$BENCH_TMP/rss1" >>"$rss"
		done
	fi
	summarise "$name"
}

# summarise NAME: appends "NAME runs median_ms p90_ms peak_rss_kb" from
# $BENCH_TMP/NAME.us (wall times) and NAME.kb (peak RSS) to results.
summarise() {
	local name=$1 times=$BENCH_TMP/$1.us rss=$BENCH_TMP/$1.kb
	awk -v name="$name" -v rssfile="$rss" '
		{ a[NR] = $1 }
		END {
			n = NR
			med = (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
			p = int(0.9 * n); if (p < 0.9 * n) p++; if (p < 1) p = 1
			peak = -1
			while ((getline v < rssfile) > 0) if (v + 0 > peak) peak = v + 0
			printf "%s %d %.2f %.2f %d\n", name, n, med / 1000, a[p] / 1000, peak
		}' < <(sort -n "$times") >>"$BENCH_TMP/results"
}

# measure_interleaved RUNS NAME=CMD...: like measure, for several variants
# in one run (scripts/interleave.py: each round runs every variant once, the
# order rotating, so a change of machine load hits all alike), and also
# records CPU time and minor faults per run (#17). CMD is split on spaces.
measure_interleaved() {
	local runs=$1 spec name
	shift
	python3 "$ROOT/scripts/interleave.py" "$runs" "$BENCH_TMP" "$@" || return 1
	for spec in "$@"; do
		name=${spec%%=*}
		summarise "$name"
		printf '%s %s %s\n' "$name" "$(median "$BENCH_TMP/$name.cpu")" "$(median "$BENCH_TMP/$name.flt")" >>"$BENCH_TMP/cpu"
	done
}

# median FILE: the median of the integers in FILE, one per line.
median() {
	sort -n "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'
}

# sign_in HOME_DIR: configure the sandbox profile in a fresh $AWS_TIP_CLI,
# sign in through the redirect-following "browser" and mint a session.
sign_in() {
	export AWS_TIP_CLI=$1
	"$TIP" configure idp --provider oidc --config "$BENCH_TMP/sb/profile.json" >/dev/null 2>&1
	BROWSER="curl -fsSL -o /dev/null" "$TIP" auth >/dev/null 2>"$BENCH_TMP/err" ||
		{ cat "$BENCH_TMP/err" >&2; return 1; }
	"$TIP" auth get-iam-credentials >/dev/null 2>"$BENCH_TMP/err" || { cat "$BENCH_TMP/err" >&2; return 1; }
}

# keyring_inner: runs inside dbus-run-session with an unlocked
# gnome-keyring: signs in with the automatic store (the keyring here, as on
# a desktop) and times all five variants interleaved.
keyring_inner() {
	echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
	local kr=$BENCH_TMP/home-keyring
	TIP_CLI_STORE= sign_in "$kr"
	if ! TIP_CLI_STORE= "$TIP" auth status -o json 2>/dev/null | grep -q '"store": *"keyring'; then
		echo "bench: keyring store not in use, skipping the keyring variant" >&2
		measure_file_variants
		return 0
	fi
	measure_interleaved "$RUNS" floor="$FLOOR" \
		lean-file="AWS_TIP_CLI=$BENCH_TMP/home-file $LEAN auth get-iam-credentials --non-interactive" \
		tip-cli-file="AWS_TIP_CLI=$BENCH_TMP/home-file $TIP auth get-iam-credentials --non-interactive" \
		lean-keyring="AWS_TIP_CLI=$kr TIP_CLI_STORE= $LEAN auth get-iam-credentials --non-interactive" \
		tip-cli-keyring="AWS_TIP_CLI=$kr TIP_CLI_STORE= $TIP auth get-iam-credentials --non-interactive"
	# The store's own count for one warm call (real Secret Service): with
	# the key in the kernel keyring cache, then after dropping the entry
	# (a miss: one Secret Service read fills it), then cached again.
	local id label item
	# (secret-tool prints the attributes on stderr)
	item=$(secret-tool search --all service tip-cli 2>&1 >/dev/null | sed -n 's/^attribute\.username = //p' | grep '^default#key@' | head -1 || true)
	for label in cached miss refilled; do
		if [[ $label == miss ]]; then
			id=$(keyctl search @u user "tip-cli:$item" 2>/dev/null || true)
			[[ -n $id ]] && keyctl invalidate "$id"
		fi
		printf '%s: ' "$label" >>"$BENCH_TMP/keyring-activity"
		AWS_TIP_CLI=$kr TIP_CLI_STORE= "$TIP" --debug auth get-iam-credentials --non-interactive 2>&1 >/dev/null |
			sed -n 's/.*msg="store activity" //p' >>"$BENCH_TMP/keyring-activity"
	done
}

# measure_file_variants: the floor and both binaries with the file store.
measure_file_variants() {
	measure_interleaved "$RUNS" floor="$FLOOR" \
		lean-file="AWS_TIP_CLI=$BENCH_TMP/home-file $LEAN auth get-iam-credentials --non-interactive" \
		tip-cli-file="AWS_TIP_CLI=$BENCH_TMP/home-file $TIP auth get-iam-credentials --non-interactive"
}

if [[ ${1:-} == --keyring-inner ]]; then
	keyring_inner
	exit
fi

# ---------------------------------------------------------------------------
# main

RUNS=30
QUICK=false
BIN=
while (($#)); do
	case $1 in
	--quick) QUICK=true RUNS=5 ;;
	--runs) RUNS=${2:?--runs needs a number}; shift ;;
	--bin) BIN=$(cd "${2:?--bin needs a directory}" && pwd); shift ;;
	*) echo "usage: scripts/bench.sh [--quick] [--runs N] [--bin DIR]" >&2; exit 2 ;;
	esac
	shift
done

BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-bench.XXXXXX")
SERVE_PID=
cleanup() {
	if [[ -n $SERVE_PID ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
		kill "$SERVE_PID" 2>/dev/null || true
		wait "$SERVE_PID" 2>/dev/null || true
	fi
	rm -rf "$BENCH_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "--- building tip-cli, tip-credential-process and the floor (CGO_ENABLED=0 -trimpath -ldflags '-s -w')"
for pkg in cmd/tip-cli cmd/tip-credential-process scripts/benchfloor; do
	(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$BENCH_TMP/bin/" "./$pkg")
done
if [[ -n $BIN ]]; then
	echo "    timing $BIN/tip-cli and $BIN/tip-credential-process instead"
	cp "$BIN/tip-cli" "$BIN/tip-credential-process" "$BENCH_TMP/bin/"
fi
TIP=$BENCH_TMP/bin/tip-cli
FLOOR=$BENCH_TMP/bin/benchfloor
LEAN=$BENCH_TMP/bin/tip-credential-process

# Only this script's settings apply (no ambient credentials, profiles, CAs).
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_CLI_)')
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export TIP_CLI_STORE=file
export BENCH_TMP TIP LEAN FLOOR RUNS

echo "--- starting the sandbox (tip-cli demo serve)"
mkdir -p "$BENCH_TMP/sb"
"$TIP" demo serve --out "$BENCH_TMP/sb" --redirect-uri "http://127.0.0.1:$(free_port)/callback" 2>"$BENCH_TMP/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 300); do
	[[ -s $BENCH_TMP/sb/env ]] && break
	kill -0 "$SERVE_PID" 2>/dev/null || { cat "$BENCH_TMP/serve.log" >&2; exit 1; }
	sleep 0.1
done
# shellcheck disable=SC1091
source "$BENCH_TMP/sb/env"

echo "--- warm-cache runs: $RUNS per variant"
sign_in "$BENCH_TMP/home-file"
if $QUICK; then
	echo "    keyring variant skipped (--quick)"
	measure_file_variants
elif command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
	# A private keyring directory: never touch (or need the password of)
	# the user's login keyring.
	if ! XDG_DATA_HOME=$BENCH_TMP/xdg-data dbus-run-session -- bash "$SELF" --keyring-inner 2>"$BENCH_TMP/keyring.err"; then
		sed 's/^/    /' "$BENCH_TMP/keyring.err" >&2
		echo "    keyring variant failed (see above)" >&2
		[[ -s $BENCH_TMP/results ]] || measure_file_variants
	fi
else
	echo "    keyring variant skipped: no dbus-run-session / gnome-keyring-daemon"
	measure_file_variants
fi

# Concurrency: age the file-store bundle so that the IdP token and the
# session read as expired, then start 16 callers at once. Single flight
# means one refresh chain: all 16 print the same new credentials.
echo "--- concurrency: $CONCURRENCY tip-credential-process callers on an expired session (each hands off to tip-cli)"
export AWS_TIP_CLI=$BENCH_TMP/home-file
before=$("$TIP" auth get-iam-credentials --non-interactive | grep -o '"AccessKeyId":"[^"]*"')
python3 - "$AWS_TIP_CLI/secrets/default.json" <<'EOF'
import datetime, json, os, sys
path = sys.argv[1]
now = datetime.datetime.now(datetime.timezone.utc)
fmt = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
with open(path) as f:
    env = json.load(f)
b = env["bundle"]
idp = b.get("idp") or {}
idp["expiry"], idp["issued_at"] = fmt(now - datetime.timedelta(minutes=1)), fmt(now - datetime.timedelta(minutes=61))
for c in (b.get("sessions") or {}).values():
    c["expiration"], c["minted_at"] = fmt(now - datetime.timedelta(minutes=1)), fmt(now - datetime.timedelta(minutes=61))
tmp = path + ".bench"
with open(tmp, "w") as f:
    json.dump(env, f)
os.chmod(tmp, 0o600)
os.replace(tmp, path)
EOF
pids=()
for ((i = 0; i < CONCURRENCY; i++)); do
	"$LEAN" auth get-iam-credentials --non-interactive >"$BENCH_TMP/conc.$i.out" 2>"$BENCH_TMP/conc.$i.err" &
	pids+=($!)
done
failures=0
for i in "${!pids[@]}"; do
	if ! wait "${pids[$i]}"; then
		failures=$((failures + 1))
		sed "s/^/    caller $i: /" "$BENCH_TMP/conc.$i.err" >&2
	fi
done
distinct=$(cat "$BENCH_TMP"/conc.*.out | grep -o '"AccessKeyId":"[^"]*"' | sort -u | grep -cvxF "$before" || true)
stale=$(cat "$BENCH_TMP"/conc.*.out | grep -o '"AccessKeyId":"[^"]*"' | grep -cxF "$before" || true)

echo
echo "--- results ($(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg))"
awk '
	$1 == "floor" { floor = $3 }
	{ row[NR] = $0 }
	END {
		printf "%-18s %5s %10s %8s %13s %9s\n", "variant", "runs", "median ms", "p90 ms", "peak RSS MB", "x floor"
		for (i = 1; i <= NR; i++) {
			split(row[i], f, " ")
			rss = f[5] < 0 ? "n/a" : sprintf("%.1f", f[5] / 1024)
			ratio = floor > 0 ? sprintf("%.2f", f[3] / floor) : "n/a"
			printf "%-18s %5d %10.2f %8.2f %13s %9s\n", f[1], f[2], f[3], f[4], rss, ratio
		}
	}' "$BENCH_TMP/results"
if [[ -s $BENCH_TMP/cpu ]]; then
	echo "CPU time (user+system, from wait4) and minor faults, medians of the interleaved runs:"
	awk '$1 == "floor" { floor = $2 } { row[NR] = $0 } END {
		printf "%-18s %12s %9s %13s\n", "variant", "CPU ms", "x floor", "minor faults"
		for (i = 1; i <= NR; i++) { split(row[i], f, " ")
			ratio = (floor > 0) ? sprintf("%.2f", f[2] / floor) : "n/a"
			printf "%-18s %12.2f %9s %13d\n", f[1], f[2] / 1000, ratio, f[3] }
	}' "$BENCH_TMP/cpu"
fi
if [[ -s $BENCH_TMP/keyring-activity ]]; then
	echo "store activity of one warm tip-cli call, real Secret Service (kernel keyring cache):"
	sed 's/^/    /' "$BENCH_TMP/keyring-activity"
fi
if ! $QUICK; then
	# Keyring reads per warm call with each platform's item limit (the counting
	# keyring of the Go tests: no macOS or Windows keyring on this machine).
	echo "keyring reads per warm call, per platform item limit (go test -run TestWarmPathReadsTheKeyringOnce):"
	if (cd "$ROOT" && go test ./internal/app/ -run '^TestWarmPathReadsTheKeyringOnce$' -count=1 -v >"$BENCH_TMP/warmpath.log" 2>&1); then
		sed -n 's/.*keyring reads per warm call: /    /p' "$BENCH_TMP/warmpath.log"
	else
		tail -20 "$BENCH_TMP/warmpath.log" | sed 's/^/    | /'
		echo "    the keyring-reads test failed" >&2
		failures=$((failures + 1))
	fi
fi
echo "concurrency: $CONCURRENCY processes, $distinct distinct credential sets (chains), $failures failures, $stale served the expired credentials"
[[ $failures == 0 && $distinct == 1 && $stale == 0 ]]
