#!/usr/bin/env bash
# The credential server against clients nobody here wrote (issue #22 item
# 12): the AWS CRT's container provider (npm aws-crt: Host without the
# port) and the JS SDK v3 (npm @aws-sdk/credential-providers: fromHttp,
# fromContainerMetadata), inside `tip-cli exec --server` and with the
# `tip-cli serve` exports, and at /credentials/default of the agent
# (`serve --all-profiles`, found through serve.json and serve.token),
# against the sandbox of `tip-cli demo serve`.
# Each client's credentials sign an STS call the sandbox checks.
# Needs: go, node + npm, curl, python3. Prints PASS/FAIL per check.
# Usage: scripts/credserver-clients.sh
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=credserver-clients
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
JS=$ROOT/scripts/credserver-clients
ENHANCED_ROLE=assumed-role/tip-sandbox-id-enhanced/tip-

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-csclients.XXXXXX")
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -d $JS/node_modules/aws-crt && -d $JS/node_modules/@aws-sdk/credential-providers ]] ||
	die "run npm ci in $JS first"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/tip-cli" ./cmd/tip-cli) || die "go build failed"
TIP=$TMP/tip-cli
isolate
export AWS_TIP_CLI=$TMP/home TIP_CLI_STORE=file BROWSER="curl -fsSL -o /dev/null"
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
# The SDK's and the CRT's notices about Node 20 support would bury a failure.
export NODE_NO_WARNINGS=1

start_sandbox "$TIP" "$TMP"
PIDS+=("$SANDBOX_PID")
# shellcheck disable=SC1091
. "$TMP/env"
"$TIP" configure idp --provider oidc --config "$TMP/profile.json" >/dev/null 2>&1 || die "configure failed"
"$TIP" auth >/dev/null 2>"$TMP/auth.err" || { cat "$TMP/auth.err" >&2; die "sign-in failed"; }
echo "node $(node --version), aws-crt $(node -p "require('$JS/node_modules/aws-crt/package.json').version"), @aws-sdk/credential-providers $(node -p "require('$JS/node_modules/@aws-sdk/credential-providers/package.json').version")"

# check WHERE FILE: every client line names the identity-enhanced role and
# the wrong token came back as InvalidToken through fromHttp.
check() {
	local where=$1 out=$2 name line
	for name in fromContainerMetadata fromHttp fromHttp-token-file crt; do
		line=$(grep "^client $name " "$out")
		if [[ $line == *"$ENHANCED_ROLE"* && $line != *ERROR* ]]; then
			pass "$where: $name: $(cut -d' ' -f3- <<<"$line")"
		else
			fail "$where: $name: ${line:-no line}"
		fi
	done
	line=$(grep '^refusal fromHttp ' "$out")
	if [[ $line == "refusal fromHttp InvalidToken "* ]]; then
		pass "$where: a wrong token reaches fromHttp as $(cut -d' ' -f3- <<<"$line")"
	else
		fail "$where: wrong token through fromHttp: ${line:-no line}"
	fi
}

# --- inside exec --server ------------------------------------------------------
"$TIP" exec --server -- node "$JS/clients.mjs" >"$TMP/exec.out" 2>"$TMP/exec.err"
before=$FAILED
check "exec --server" "$TMP/exec.out"
((FAILED == before)) || show "$TMP/exec.err"

# --- with the serve exports -------------------------------------------------------
"$TIP" serve >"$TMP/exports" 2>"$TMP/serve.log" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q '^export TIP_CLI_SERVE_PID' "$TMP/exports" 2>/dev/null && break; sleep 0.1; done
grep -q AWS_CONTAINER_CREDENTIALS_FULL_URI "$TMP/exports" || { cat "$TMP/serve.log" >&2; die "serve did not start"; }
(
	# shellcheck disable=SC1091
	. "$TMP/exports"
	node "$JS/clients.mjs"
) >"$TMP/serve.out" 2>"$TMP/serve.err"
before=$FAILED
check serve "$TMP/serve.out"
((FAILED == before)) || show "$TMP/serve.err"
if grep -q 'reason=ForeignHost' "$TMP/serve.log"; then
	fail "serve refused a client's Host"
	grep 'reason=ForeignHost' "$TMP/serve.log" | head -3
fi

kill "${PIDS[-1]}" && wait "${PIDS[-1]}"
unset 'PIDS[-1]'

# --- the agent: serve --all-profiles, found through its record ------------------------
"$TIP" serve --all-profiles >/dev/null 2>"$TMP/agent.log" &
PIDS+=($!)
rec=$AWS_TIP_CLI/serve.json
for _ in $(seq 1 300); do [[ -s $rec ]] && grep -q 'msg="serving credentials"' "$TMP/agent.log" && break; sleep 0.1; done
if [[ $(stat -c %a "$rec" 2>/dev/null) == 600 && $(stat -c %a "$AWS_TIP_CLI/serve.token" 2>/dev/null) == 600 ]]; then
	pass "agent: serve.json and serve.token are 0600"
else
	fail "agent: record $(stat -c %a "$rec" 2>/dev/null), token $(stat -c %a "$AWS_TIP_CLI/serve.token" 2>/dev/null)"
fi
url=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["urls"]["default"])' "$rec" 2>/dev/null)
(
	export AWS_CONTAINER_CREDENTIALS_FULL_URI=$url
	AWS_CONTAINER_AUTHORIZATION_TOKEN=$(cat "$AWS_TIP_CLI/serve.token")
	export AWS_CONTAINER_AUTHORIZATION_TOKEN
	node "$JS/clients.mjs"
) >"$TMP/agent.out" 2>"$TMP/agent.err"
before=$FAILED
[[ $url == */credentials/default ]] || fail "agent: the record's URL for default is '$url'"
check "agent ${url##*/credentials}" "$TMP/agent.out"
((FAILED == before)) || { show "$TMP/agent.err"; show "$TMP/agent.log"; }

echo "$PASSED passed, $FAILED failed"
((FAILED == 0))
