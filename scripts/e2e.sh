#!/usr/bin/env bash
# End-to-end run of tip-cli with the real AWS CLI v2 (Debian's /usr/bin/aws)
# calling it through credential_process (the lean tip-credential-process,
# as `configure aws-profile` writes it, and tip-cli itself), against the sandbox served by
# `tip-cli demo serve` on loopback. Needs: go, curl, python3, /usr/bin/aws
# (apt-get install -y awscli). Prints PASS/FAIL per check and exits non-zero
# on any failure. Usage: scripts/e2e.sh
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=e2e
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
AWS2=${AWS2:-/usr/bin/aws}
BUCKET=tip-sandbox-data
ENHANCED_ROLE=assumed-role/tip-sandbox-id-enhanced/tip-
SERVE_PID=

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-e2e.XXXXXX")
cleanup() {
	if [[ -n $SERVE_PID ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
		kill "$SERVE_PID" 2>/dev/null
		wait "$SERVE_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- setup ------------------------------------------------------------------
[[ -x $AWS2 ]] || die "$AWS2 not found: apt-get install -y awscli"
"$AWS2" --version 2>&1 | grep -q '^aws-cli/2' || die "$AWS2 is not AWS CLI v2: $("$AWS2" --version 2>&1)"

echo "--- building tip-cli"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/bin/tip-cli" ./cmd/tip-cli &&
	CGO_ENABLED=0 go build -trimpath -o "$TMP/bin/tip-credential-process" ./cmd/tip-credential-process) || die "go build failed"
TIP=$TMP/bin/tip-cli
# The lean binary serves cached credentials and hands the rest (the first
# sign-in, refreshes, errors) to the tip-cli beside it.
CP=$TMP/bin/tip-credential-process

# Isolate from the caller's AWS and tip-cli settings (credentials, profiles,
# endpoints, CA bundles): only what this script sets below applies.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_CLI_)')
export AWS_TIP_CLI=$TMP/home
export TIP_CLI_STORE=file
export AWS_CONFIG_FILE=$TMP/aws-config
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
export AWS_PAGER=
export BROWSER="curl -fsSL -o /dev/null"

echo "--- starting the sandbox (tip-cli demo serve)"
SB=$TMP/sb
mkdir -p "$SB"
"$TIP" demo serve --out "$SB" --redirect-uri "http://127.0.0.1:$(free_port)/callback" 2>"$TMP/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 300); do
	[[ -s $SB/env && -s $SB/profile.json ]] && break
	kill -0 "$SERVE_PID" 2>/dev/null || { cat "$TMP/serve.log" >&2; die "demo serve exited"; }
	sleep 0.1
done
[[ -s $SB/env ]] || die "demo serve wrote no $SB/env within 30 s"
# shellcheck disable=SC1091
source "$SB/env"
[[ -n ${AWS_ENDPOINT_URL:-} ]] || die "$SB/env sets no AWS_ENDPOINT_URL"
# Debian's AWS CLI 2.9 predates AWS_ENDPOINT_URL support: pass it explicitly.
EP=(--endpoint-url "$AWS_ENDPOINT_URL")
echo "    sandbox AWS endpoint $AWS_ENDPOINT_URL"

"$TIP" configure idp --provider oidc --config "$SB/profile.json" >/dev/null 2>"$TMP/configure.err" ||
	{ show "$TMP/configure.err"; die "configure idp failed"; }

DATA_URI=s3://$BUCKET/analysts/
cat >"$AWS_CONFIG_FILE" <<EOF
[profile tip]
credential_process = $CP auth get-iam-credentials

[profile tip-cached]
credential_process = $CP auth get-iam-credentials --non-interactive

[profile tip-full]
credential_process = $TIP auth get-iam-credentials --non-interactive

[profile tip-data]
credential_process = $CP s3ag get-data-access $DATA_URI --permission READWRITE

[profile tip-data-cached]
credential_process = $CP s3ag get-data-access ${DATA_URI}reports/q1.csv --permission WRITE --non-interactive

[profile tip-missing]
credential_process = $CP auth get-iam-credentials --profile missing --non-interactive
EOF

# caller PROFILE [AWS]: the caller ARN via the AWS CLI; stderr in $TMP/err.
caller() {
	local aws=${2:-$AWS2}
	timeout 180 "$aws" sts get-caller-identity --profile "$1" "${EP[@]}" \
		--output text --query Arn 2>"$TMP/err"
}

signed_in() { "$TIP" auth status -o json 2>/dev/null | grep -q '"signed_in": *true'; }

# offline CMD...: run tip-cli with every AWS endpoint and the IdP unreachable,
# so only the cache can answer.
offline() { AWS_ENDPOINT_URL=http://127.0.0.1:9 "$@"; }

# --- (a) first call signs in through $BROWSER inside credential_process -------
echo "--- checks"
if signed_in; then
	fail "(a) precondition: a fresh home is not signed in"
fi
if arn=$(caller tip) && [[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(a) aws sts get-caller-identity --profile tip (browser sign-in inside credential_process): $arn"
else
	fail "(a) aws sts get-caller-identity --profile tip: got '${arn:-}', want *$ENHANCED_ROLE*"
	show "$TMP/err"
fi
if signed_in; then
	pass "(a) tip-cli auth status reports signed in after the credential_process sign-in"
else
	fail "(a) tip-cli auth status does not report signed in"
fi

# --- (b) later calls are served from the cache --------------------------------
key1=$("$TIP" auth get-iam-credentials --non-interactive 2>"$TMP/err" | field AccessKeyId)
if arn=$(caller tip-cached) && [[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(b) aws sts get-caller-identity --profile tip-cached (--non-interactive): $arn"
else
	fail "(b) aws sts get-caller-identity --profile tip-cached: got '${arn:-}'"
	show "$TMP/err"
fi
key2=$(offline "$TIP" auth get-iam-credentials --non-interactive 2>"$TMP/err" | field AccessKeyId)
if [[ -n $key1 && $key1 == "$key2" ]]; then
	pass "(b) get-iam-credentials served from the cache with AWS unreachable (same AccessKeyId)"
else
	fail "(b) cached get-iam-credentials: AccessKeyId '${key1}' then '${key2}' (AWS unreachable)"
	show "$TMP/err"
fi
if arn=$(caller tip-full) && [[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(b) aws sts get-caller-identity --profile tip-full (tip-cli auth get-iam-credentials): $arn"
else
	fail "(b) aws sts get-caller-identity --profile tip-full: got '${arn:-}'"
	show "$TMP/err"
fi
for fmt in process env json; do
	full=$(offline "$TIP" auth get-iam-credentials --format $fmt 2>&1)
	lean=$(offline "$CP" auth get-iam-credentials --format $fmt 2>&1)
	if [[ -n $full && $full == "$lean" ]]; then
		pass "(b) tip-credential-process --format $fmt offline: byte-identical to tip-cli"
	else
		fail "(b) tip-credential-process --format $fmt differs from tip-cli (or is empty)"
	fi
done
sessions=$("$TIP" auth status -o json 2>/dev/null | grep -c '"assumed_role_arn"')
if [[ $sessions == 1 ]]; then
	pass "(b) auth status shows exactly one cached session"
else
	fail "(b) auth status shows $sessions cached sessions, want 1"
fi

# --- (c) S3 Access Grants profile ---------------------------------------------
if arn=$(caller tip-data) && [[ $arn == *:assumed-role/* && $arn != *"$ENHANCED_ROLE"* ]]; then
	pass "(c) aws sts get-caller-identity --profile tip-data (s3ag credentials): $arn"
else
	fail "(c) aws sts get-caller-identity --profile tip-data: got '${arn:-}', want an S3 Access Grants session"
	show "$TMP/err"
fi
grants=$("$TIP" s3ag list-credentials -o json 2>"$TMP/err")
if grep -q "\"target\": *\"s3://$BUCKET/analysts/\*\"" <<<"$grants" && grep -q '"permission": *"READWRITE"' <<<"$grants"; then
	pass "(c) s3ag list-credentials -o json lists s3://$BUCKET/analysts/* READWRITE"
else
	fail "(c) s3ag list-credentials -o json: no s3://$BUCKET/analysts/* READWRITE grant"
	show "$TMP/err"
fi
out=$(offline "$TIP" s3ag get-data-access "${DATA_URI}reports/q1.csv" --permission WRITE --format json --non-interactive 2>"$TMP/err")
if [[ $(field MatchedGrantTarget <<<"$out") == "s3://$BUCKET/analysts/*" && -n $(field AccessKeyId <<<"$out") ]]; then
	pass "(c) s3ag WRITE inside the cached READWRITE grant served from the cache with AWS unreachable"
else
	fail "(c) s3ag WRITE inside the cached grant with AWS unreachable did not come from the cache"
	show "$TMP/err"
fi
full=$(offline "$TIP" s3ag get-data-access "${DATA_URI}reports/" --permission READ --format json 2>&1)
lean=$(offline "$CP" s3ag get-data-access "${DATA_URI}reports/" --permission READ --format json 2>&1)
if [[ $(field MatchedGrantTarget <<<"$full") == "s3://$BUCKET/analysts/*" && $full == "$lean" ]]; then
	pass "(c) tip-credential-process s3ag READ inside the cached grant offline: byte-identical to tip-cli"
else
	fail "(c) tip-credential-process s3ag READ inside the cached grant differs from tip-cli"
fi
if arn=$(caller tip-data-cached) && [[ $arn == *:assumed-role/* && $arn != *"$ENHANCED_ROLE"* ]]; then
	pass "(c) aws sts get-caller-identity --profile tip-data-cached (deeper URI, WRITE, cached grant): $arn"
else
	fail "(c) aws sts get-caller-identity --profile tip-data-cached: got '${arn:-}'"
	show "$TMP/err"
fi
out=$("$TIP" s3ag get-data-access "s3://$BUCKET/shared/" --permission WRITE --non-interactive 2>"$TMP/err")
rc=$?
if [[ $rc != 0 && -z $out ]] && grep -q "no S3 Access Grant matches" "$TMP/err"; then
	pass "(c) s3ag WRITE outside every WRITE grant fails with 'no S3 Access Grant matches', empty stdout"
else
	fail "(c) s3ag WRITE on s3://$BUCKET/shared/: exit $rc, stdout ${#out} bytes, stderr:"
	show "$TMP/err"
fi

# --- (d) failure path: unconfigured profile -----------------------------------
if arn=$(caller tip-missing); then
	fail "(d) aws --profile tip-missing succeeded ($arn), want a failure"
elif grep -q "not configured" "$TMP/err"; then
	pass "(d) aws --profile tip-missing fails and shows tip-cli's 'not configured' message"
else
	fail "(d) aws --profile tip-missing failed without 'not configured' in its message:"
	show "$TMP/err"
fi

# --- (f) a corporate CA bundle in the environment must not break the chain ----
if [[ -r /etc/ssl/certs/ca-certificates.crt ]]; then
	if AWS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt "$TIP" auth get-iam-credentials --force-refresh >/dev/null 2>"$TMP/err"; then
		pass "(f) get-iam-credentials --force-refresh with AWS_CA_BUNDLE set"
	else
		fail "(f) get-iam-credentials --force-refresh with AWS_CA_BUNDLE set:"
		show "$TMP/err"
	fi
fi

# --- (g) tip-cli serve: the credential endpoint for long-running clients ------
SERVE2_PID=
stop_serve() {
	[[ -n $SERVE2_PID ]] && kill -0 "$SERVE2_PID" 2>/dev/null && kill "$SERVE2_PID" 2>/dev/null
	wait "$SERVE2_PID" 2>/dev/null
}
trap 'stop_serve; cleanup' EXIT
sport=$(free_port)
"$TIP" serve --listen "127.0.0.1:$sport" --token-file "$TMP/serve.token" >"$TMP/serve.exports" 2>"$TMP/serve2.log" &
SERVE2_PID=$!
for _ in $(seq 1 300); do
	grep -q AWS_CONTAINER_CREDENTIALS_FULL_URI "$TMP/serve.exports" 2>/dev/null && break
	kill -0 "$SERVE2_PID" 2>/dev/null || break
	sleep 0.1
done
url=$(sed -n 's/^export AWS_CONTAINER_CREDENTIALS_FULL_URI=//p' "$TMP/serve.exports")
token=$(cat "$TMP/serve.token" 2>/dev/null)
if [[ $url == "http://127.0.0.1:$sport/credentials" && ${#token} -ge 43 ]] && [[ $(stat -c %a "$TMP/serve.token") == 600 ]]; then
	pass "(g) serve printed the exports (token file 0600, ${#token} characters)"
else
	fail "(g) serve exports: url '$url', token file $(stat -c %a "$TMP/serve.token" 2>/dev/null)"
	show "$TMP/serve2.log"
fi
# code ARGS...: the HTTP status curl gets from the endpoint.
code() { curl -s -o /dev/null -w '%{http_code}' "$@" "$url"; }
for c in "no token:401:" "wrong token:401:-H Authorization:wrong" \
	"foreign Host:403:-H Host:rebind.example:$sport -H Authorization:$token" \
	"Origin header:403:-H Origin:https://evil.example -H Authorization:$token" \
	"the token:200:-H Authorization:$token"; do
	IFS=: read -r what want args <<<"$c"
	# shellcheck disable=SC2086
	got=$(code $args)
	if [[ $got == "$want" ]]; then
		pass "(g) serve answers a request with $what: $got"
	else
		fail "(g) serve answered a request with $what: $got, want $want"
	fi
done
# The token file needs a recent SDK (botocore reads it, the AWS CLI 2.9
# bundled by Debian does not): the AWS CLI gets the token variable.
if arn=$( (. "$TMP/serve.exports"; export AWS_CONTAINER_AUTHORIZATION_TOKEN=$token; unset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
	timeout 60 "$AWS2" sts get-caller-identity "${EP[@]}" --output text --query Arn 2>"$TMP/err")) &&
	[[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(g) AWS CLI v2 through serve (container credentials provider, token variable): $arn"
else
	fail "(g) AWS CLI v2 through serve: got '${arn:-}'"
	show "$TMP/err"
fi
if arn=$( (. "$TMP/serve.exports"; timeout 60 python3 -c 'import boto3; print(boto3.client("sts").get_caller_identity()["Arn"])' 2>"$TMP/err")) &&
	[[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(g) boto3 with the eval'd exports (token file): $arn"
else
	fail "(g) boto3 through serve: got '${arn:-}'"
	show "$TMP/err"
fi
if grep -q "$token" "$TMP/serve2.log" || grep -q 'SecretAccessKey\|ASIA' "$TMP/serve2.log"; then
	fail "(g) the serve request log holds a secret"
elif grep -q 'reason=ForeignHost' "$TMP/serve2.log" && grep -q 'msg="request served"' "$TMP/serve2.log"; then
	pass "(g) serve logged every request on stderr without a secret"
else
	fail "(g) serve log lacks the request lines"
	show "$TMP/serve2.log"
fi
kill -TERM "$SERVE2_PID"
wait "$SERVE2_PID"
rc=$?
SERVE2_PID=
if [[ $rc == 0 ]] && ! curl -s -o /dev/null "http://127.0.0.1:$sport/" && [[ ! -e $TMP/serve.token ]]; then
	pass "(g) serve under SIGTERM exits 0, leaves no listener and removes the token file"
else
	fail "(g) serve under SIGTERM: exit $rc, listener $(curl -s -o /dev/null -w %{http_code} "http://127.0.0.1:$sport/"), token file $(ls "$TMP/serve.token" 2>/dev/null)"
	show "$TMP/serve2.log"
fi

# eval "$( (tip-cli serve &) 2>>LOG)" returns once the exports are out:
# serve closes stdout (no `timeout` wrapper here: it would hold stdout open).
s=$SECONDS
eval "$( ("$TIP" serve &) 2>>"$TMP/serve3.log")"
if ((SECONDS - s < 15)) && [[ -n ${TIP_CLI_SERVE_PID:-} ]] &&
	arn=$(timeout 60 "$AWS2" sts get-caller-identity "${EP[@]}" --output text --query Arn 2>"$TMP/err") && [[ $arn == *"$ENHANCED_ROLE"* ]]; then
	pass "(g) eval \"\$(tip-cli serve &)\" returned in $((SECONDS - s))s and the AWS CLI uses it: $arn"
else
	fail "(g) eval \"\$(tip-cli serve &)\": took $((SECONDS - s))s, pid '${TIP_CLI_SERVE_PID:-}', arn '${arn:-}'"
	show "$TMP/err"
fi
[[ -n ${TIP_CLI_SERVE_PID:-} ]] && kill "$TIP_CLI_SERVE_PID" 2>/dev/null
unset AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN TIP_CLI_SERVE_PID

# --- optional: AWS CLI v1 (the pyenv one) with the cached session ------------
v1=$(command -v aws || true)
if [[ -n $v1 && $v1 != "$AWS2" ]] && "$v1" --version 2>&1 | grep -q '^aws-cli/1'; then
	if arn=$(caller tip-cached "$v1") && [[ $arn == *"$ENHANCED_ROLE"* ]]; then
		pass "(a/v1) $("$v1" --version 2>&1 | cut -d' ' -f1) sts get-caller-identity --profile tip-cached: $arn"
	else
		fail "(a/v1) AWS CLI v1 ($v1) sts get-caller-identity --profile tip-cached: got '${arn:-}'"
		show "$TMP/err"
	fi
else
	echo "SKIP  (a/v1) no AWS CLI v1 on PATH"
fi

echo "$PASSED passed, $FAILED failed"
[[ $FAILED == 0 ]]
