#!/usr/bin/env bash
# The v2 keyring store with the real Secret Service, through the real
# binary (issue #14): sign in to `tip-cli demo serve`, cache 5 scopes and
# 20 grants, then check with the store's own instrumentation (the --debug
# "store activity" line) that a warm `auth get-iam-credentials` and a warm
# `s3ag get-data-access` each read the keyring once and decrypt one section,
# that the keyring holds one small item, and that no file holds a secret.
#
# Run inside a session bus with an unlocked keyring, as .ci/run does:
#   dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; bash scripts/keyring-e2e.sh'
set -euo pipefail
export LC_ALL=C
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=keyring-e2e
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-keyring.XXXXXX")
SERVE_PID=
cleanup() {
	if [[ -n ${AWS_TIP_CLI:-} && -x ${TIP:-} ]]; then "$TIP" auth logout >/dev/null 2>&1 || true; fi
	if [[ -n $SERVE_PID ]]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
	rm -rf "$TMP"
}
trap cleanup EXIT

(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/bin/" ./cmd/tip-cli)
TIP=$TMP/bin/tip-cli
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_CLI_)')
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export TIP_CLI_STORE=keyring AWS_TIP_CLI=$TMP/home

mkdir -p "$TMP/sb"
"$TIP" demo serve --out "$TMP/sb" --redirect-uri "http://127.0.0.1:$(free_port)/callback" 2>"$TMP/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 300); do
	[[ -s $TMP/sb/env ]] && break
	kill -0 "$SERVE_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "demo serve exited"; }
	sleep 0.1
done
# shellcheck disable=SC1091
source "$TMP/sb/env"

"$TIP" configure idp --provider oidc --config "$TMP/sb/profile.json" >/dev/null 2>&1
BROWSER="curl -fsSL -o /dev/null" "$TIP" auth >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "sign-in failed"; }
for i in 1 2 3 4; do
	"$TIP" auth get-iam-credentials --policy-arn "arn:aws:iam::aws:policy/Scope$i" >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "scope $i"; }
done
for i in $(seq 0 19); do
	"$TIP" s3ag get-data-access "s3://tip-sandbox-data/analysts/obj-$i" --privilege Minimal >/dev/null 2>"$TMP/err" ||
		{ show "$TMP/err"; die "grant $i"; }
done
"$TIP" auth status -o json 2>/dev/null | grep -q '"store": *"keyring' && pass "the keyring store is in use" || fail "store is not the keyring"

# warm CMD...: runs CMD with --debug, checks the store activity line.
warm() {
	local out=$TMP/warm.out err=$TMP/warm.err line
	"$TIP" --debug "$@" >"$out" 2>"$err" || { show "$err"; fail "warm $*"; return; }
	line=$(grep 'msg="store activity"' "$err" || true)
	echo "      $line"
	if [[ $line == *"backend=keyring keyring_reads=1 keyring_writes=0 keyring_deletes=0 file_reads=1 decryptions=1"* ]]; then
		pass "warm $1 $2 (5 scopes, 20 grants): 1 keyring read, 1 file read, 1 decryption"
	else
		fail "warm $1 $2: store activity $line"
	fi
	grep -o '"SecretAccessKey":"[^"]*"\|"SessionToken":"[^"]*"' "$out" | cut -d'"' -f4 >>"$TMP/secrets"
}
: >"$TMP/secrets"
warm auth get-iam-credentials --non-interactive
warm s3ag get-data-access s3://tip-sandbox-data/analysts/obj-0 --privilege Minimal --non-interactive

leaks=0
while read -r s; do
	[[ -n $s ]] && grep -rlF -- "$s" "$AWS_TIP_CLI" && leaks=$((leaks + 1))
done <"$TMP/secrets"
# (idp-cache holds public metadata, whose field names may include these)
if grep -rlE --exclude-dir=idp-cache '"(refresh_token|id_token|secret_access_key|session_token)"' "$AWS_TIP_CLI"; then leaks=$((leaks + 1)); fi
[[ $leaks == 0 ]] && pass "no secret in any file under the config directory" || fail "$leaks secrets found in files"

# The key item is named per config directory: default#key@<16 hex digits>.
# (secret-tool prints the attributes on stderr)
keyuser=$(secret-tool search --all service tip-cli 2>&1 >/dev/null | sed -n 's/^attribute\.username = //p' | grep '^default#key@' || true)
[[ $keyuser =~ ^default#key@[0-9a-f]{16}$ ]] && pass "the key item is scoped to the config directory ($keyuser)" ||
	fail "key item name '$keyuser'"
item=$(secret-tool lookup service tip-cli username "$keyuser" 2>/dev/null || true)
[[ -n $item && ${#item} -le 64 ]] && pass "keyring item $keyuser is ${#item} bytes" || fail "keyring key item: ${#item} bytes"

# Another config directory's logout leaves this one signed in (issue #22).
AWS_TIP_CLI=$TMP/other "$TIP" auth logout >/dev/null 2>&1 || true
[[ -n $(secret-tool lookup service tip-cli username "$keyuser" 2>/dev/null || true) ]] &&
	pass "logout in another config directory left this one's key" || fail "another directory's logout removed the key"

"$TIP" auth logout >/dev/null 2>&1
[[ -z $(secret-tool lookup service tip-cli username "$keyuser" 2>/dev/null || true) ]] &&
	[[ -z $(ls -A "$AWS_TIP_CLI/secrets" 2>/dev/null) ]] && pass "logout removed the key and the sealed file" || fail "logout left secrets"

echo "$PROG: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
