#!/usr/bin/env bash
# Issue 22 item 2, reproduced as reported: tip-cli's config directory on a
# full (64 KiB tmpfs) and then a read-only filesystem during a forced
# refresh, against the `tip-cli demo serve` sandbox IdP, which rotates
# refresh tokens and revokes the whole grant when one is presented twice.
# The refresh must fail with nothing sent, and once the disk is freed (or
# writable again) the next non-interactive call must succeed with no sign-in:
# the old refresh token was never spent, so no replay, no revoked grant.
# Needs root for the private mount namespace (unshare --mount), and go,
# curl, python3. Usage: scripts/faults-e2e.sh
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=faults-e2e
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

if [[ ${1:-} != --inside ]]; then
	[[ $(id -u) == 0 ]] || die "needs root for a private mount namespace"
	exec unshare --mount --propagation private bash "$0" --inside
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-faults.XXXXXX")
SERVE_PID=
cleanup() {
	[[ -n $SERVE_PID ]] && kill "$SERVE_PID" 2>/dev/null
	umount "$TMP/home" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/tip-cli" ./cmd/tip-cli) || die "go build failed"
TIP=$TMP/tip-cli
isolate
mkdir -p "$TMP/home"
mount -t tmpfs -o size=64k,mode=0700 tmpfs "$TMP/home" || die "mount tmpfs"
export AWS_TIP_CLI=$TMP/home TIP_CLI_STORE=file AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export BROWSER="curl -fsSL -o /dev/null"

start_sandbox "$TIP" "$TMP/sb"
SERVE_PID=$SANDBOX_PID
# shellcheck disable=SC1091
source "$TMP/sb/env"
"$TIP" configure idp --provider oidc --config "$TMP/sb/profile.json" >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "configure"; }
"$TIP" auth --timeout 30s >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "sign-in"; }

refresh() { "$TIP" auth get-iam-credentials --force-refresh --non-interactive >"$TMP/out" 2>"$TMP/err"; }

# --- a full disk ---------------------------------------------------------------
dd if=/dev/zero of="$TMP/home/filler" bs=1k 2>/dev/null
if refresh; then
	fail "full disk: the forced refresh succeeded"
elif grep -q "nothing was sent to the identity provider" "$TMP/err" && grep -q "no space left" "$TMP/err" && [[ ! -s $TMP/out ]]; then
	pass "full disk: refused before sending the refresh token, nothing on stdout: $(head -c 160 "$TMP/err")"
else
	fail "full disk: unexpected failure"
	show "$TMP/err"
fi
rm -f "$TMP/home/filler"
if refresh && grep -q AccessKeyId "$TMP/out"; then
	pass "full disk freed: the next call refreshes with the same grant, no sign-in"
else
	fail "full disk freed: the next call failed (grant revoked?)"
	show "$TMP/err"
fi

# --- a read-only config directory --------------------------------------------
mount -o remount,ro "$TMP/home" || die "remount ro"
if refresh; then
	fail "read-only: the forced refresh succeeded"
elif grep -q "nothing was sent to the identity provider" "$TMP/err" && [[ ! -s $TMP/out ]]; then
	pass "read-only: refused before sending the refresh token, nothing on stdout"
else
	fail "read-only: unexpected failure"
	show "$TMP/err"
fi
mount -o remount,rw "$TMP/home" || die "remount rw"
if refresh && grep -q AccessKeyId "$TMP/out"; then
	pass "read-only lifted: the next call refreshes with the same grant, no sign-in"
else
	fail "read-only lifted: the next call failed (grant revoked?)"
	show "$TMP/err"
fi

echo "faults-e2e: $PASSED passed, $FAILED failed"
((FAILED == 0))
