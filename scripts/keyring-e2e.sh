#!/usr/bin/env bash
# The v2 keyring store with the real Secret Service, through the real
# binary (issue #14): sign in to `tip-cli demo serve`, cache 5 scopes and
# 20 grants, then check with the store's own instrumentation (the --debug
# "store activity" line) that a warm `auth get-iam-credentials` and a warm
# `s3ag get-data-access` each read the keyring once and decrypt one section,
# that the keyring holds one small item, and that no file holds a secret.
# Issue #23: the profile key is cached in the kernel keyring (keyctl):
# a sign-in fills the entry, a warm call reads no Secret Service, the lean
# binary serves a hit with no tip-cli to hand off to, a miss is handed to
# tip-cli (one Secret Service read fills the entry again), logout clears
# it, and another user cannot read it.
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
# The lean binary alone in a directory, with no tip-cli on PATH: it can
# only answer what it serves itself (a hand-off fails "install tip-cli").
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/lean/" ./cmd/tip-credential-process)
TIP=$TMP/bin/tip-cli
LEAN=$TMP/lean/tip-credential-process
KCACHE=false
keyctl show @u >/dev/null 2>&1 && KCACHE=true
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

# kentry: the serial of the kernel keyring cache entry of the key item.
kentry() { keyctl search @u user "tip-cli:$keyuser" 2>/dev/null || true; }

# activity: the store activity of one warm tip-cli call.
activity() {
	"$TIP" --debug auth get-iam-credentials --non-interactive 2>&1 >/dev/null | sed -n 's/.*msg="store activity" //p'
}

# kernel_cache_checks: hit, miss, refill and another user (issue #23).
kernel_cache_checks() {
	if ! $KCACHE; then
		echo "      (no kernel keyring here: the cache checks do not apply)"
		[[ ${TIP_CLI_TEST_KERNEL_KEYRING:-} != 1 ]] || fail "no kernel keyring, but TIP_CLI_TEST_KERNEL_KEYRING=1"
		return
	fi
	local id
	id=$(kentry)
	[[ -n $id ]] && pass "the sign-in left the key in the kernel keyring cache" || fail "no kernel cache entry after the sign-in"
	# A hit: the lean binary answers alone (nothing to hand off to).
	PATH=/usr/bin:/bin "$LEAN" auth get-iam-credentials --non-interactive >"$TMP/lean.out" 2>"$TMP/lean.err" &&
		grep -q '"AccessKeyId"' "$TMP/lean.out" && pass "cache hit: the lean binary serves without tip-cli" ||
		{ show "$TMP/lean.err"; fail "cache hit: the lean binary did not serve"; }
	# A miss: the lean binary must hand off; tip-cli reads the Secret
	# Service once and fills the entry again.
	keyctl invalidate "$id"
	if PATH=/usr/bin:/bin "$LEAN" auth get-iam-credentials --non-interactive >"$TMP/lean.out" 2>"$TMP/lean.err"; then
		fail "cache miss: the lean binary served without the key"
	else
		grep -q 'tip-cli' "$TMP/lean.err" && [[ ! -s $TMP/lean.out ]] &&
			pass "cache miss: the lean binary hands the call to tip-cli" || { show "$TMP/lean.err"; fail "cache miss: unexpected failure"; }
	fi
	local miss hit
	miss=$(activity)
	hit=$(activity)
	echo "      miss: $miss"
	echo "      then: $hit"
	[[ $miss == *"keyring_reads=1 "*"cache_hits=0"* && $hit == *"keyring_reads=0 "*"cache_hits=1"* && -n $(kentry) ]] &&
		pass "tip-cli on a miss: 1 Secret Service read refills the cache; the next call reads none" || fail "cache refill"
	# Another user, even one that inherited this session keyring (setpriv
	# keeps it), cannot read the entry; the owner can.
	id=$(kentry)
	keyctl print "$id" >/dev/null 2>&1 && pass "the owner can read the cache entry" || fail "the owner cannot read the entry"
	if command -v setpriv >/dev/null && [[ $(id -u) == 0 ]]; then
		if setpriv --reuid=65534 --regid=65534 --clear-groups keyctl print "$id" >/dev/null 2>"$TMP/other.err"; then
			fail "uid 65534 read the cache entry"
		else
			grep -qi 'permission denied' "$TMP/other.err" && pass "uid 65534 cannot read the cache entry (permission denied)" ||
				{ show "$TMP/other.err"; fail "uid 65534: unexpected error"; }
		fi
		# The same from a session keyring that links this user's keyring,
		# so the other uid possesses the entry: possession grants nothing.
		if keyctl session - sh -c "keyctl link @u @s >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups keyctl print $id" >/dev/null 2>"$TMP/other.err"; then
			fail "uid 65534 possessing the entry read it"
		else
			grep -qi 'permission denied' "$TMP/other.err" && pass "uid 65534 possessing the entry cannot read it either" ||
				{ show "$TMP/other.err"; fail "uid 65534 (possessor): unexpected error"; }
		fi
	else
		echo "      (not root or no setpriv: the other-user check is skipped)"
	fi
}

# warm CMD...: runs CMD with --debug, checks the store activity line.
warm() {
	local out=$TMP/warm.out err=$TMP/warm.err line
	"$TIP" --debug "$@" >"$out" 2>"$err" || { show "$err"; fail "warm $*"; return; }
	line=$(grep 'msg="store activity"' "$err" || true)
	echo "      $line"
	local want="keyring_reads=1 keyring_writes=0 keyring_deletes=0 file_reads=1 decryptions=1 cache_hits=0" what="1 keyring read"
	if $KCACHE; then
		want="keyring_reads=0 keyring_writes=0 keyring_deletes=0 file_reads=1 decryptions=1 cache_hits=1"
		what="the key from the kernel keyring cache, no Secret Service read"
	fi
	if [[ $line == *"backend=keyring $want"* ]]; then
		pass "warm $1 $2 (5 scopes, 20 grants): $what, 1 file read, 1 decryption"
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

kernel_cache_checks

"$TIP" auth logout >/dev/null 2>&1
if $KCACHE; then
	[[ -z $(kentry) ]] && pass "logout cleared the kernel keyring cache entry" || fail "logout left the kernel cache entry"
fi
[[ -z $(secret-tool lookup service tip-cli username "$keyuser" 2>/dev/null || true) ]] &&
	[[ -z $(ls -A "$AWS_TIP_CLI/secrets" 2>/dev/null) ]] && pass "logout removed the key and the sealed file" || fail "logout left secrets"

echo "$PROG: $PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
