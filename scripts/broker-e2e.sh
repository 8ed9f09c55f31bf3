#!/usr/bin/env bash
# End-to-end run of tip-broker as separate processes with the real AWS CLI v2
# (Debian's /usr/bin/aws) reading S3 with the credentials it hands out,
# against the broker sandbox (scripts/broker-sandbox) on loopback:
#   - standalone mode: `tip-broker serve`, callers authenticated by presigned
#     sts:GetCallerIdentity;
#   - Lambda mode (needs moto_server: set TIP_CLI_TEST_MOTO_URL): the binary
#     started with no arguments as Lambda's bootstrap behind the sandbox's API
#     Gateway (AWS_IAM authorization), registrations in a DynamoDB table.
# Needs: go, curl, python3, /usr/bin/aws (apt-get install -y awscli). Prints
# PASS/FAIL per check and exits non-zero on any failure.
# TIP_BROKER_E2E_PAYLOAD_VERSION=2.0 puts the function behind an HTTP API
# (payload format 2.0) instead of a REST API (1.0).
# Usage: [TIP_CLI_TEST_MOTO_URL=http://127.0.0.1:PORT] [TIP_BROKER_E2E_PAYLOAD_VERSION=1.0|2.0] scripts/broker-e2e.sh
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=broker-e2e
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
AWS2=${AWS2:-/usr/bin/aws}
MOTO=${TIP_CLI_TEST_MOTO_URL:-}
PAYLOAD_VERSION=${TIP_BROKER_E2E_PAYLOAD_VERSION:-1.0}
BROKER_ID=e2e.test
TABLE=tip-broker-e2e
PIDS=()

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-broker-e2e.XXXXXX")
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		if kill -0 "$pid" 2>/dev/null; then
			kill "$pid" 2>/dev/null
			wait "$pid" 2>/dev/null
		fi
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE PATTERN PID WHAT: until FILE contains PATTERN (30 s).
wait_for() {
	local i
	for i in $(seq 1 300); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || { show "$1"; die "$4 exited"; }
		sleep 0.1
	done
	show "$1"
	die "$4 not ready within 30 s"
}

# --- setup ------------------------------------------------------------------
for tool in go curl python3; do
	command -v "$tool" >/dev/null || die "$tool not found"
done
[[ -x $AWS2 ]] || die "$AWS2 not found: apt-get install -y awscli (Debian's AWS CLI v2)"
"$AWS2" --version 2>&1 | grep -q '^aws-cli/2' || die "$AWS2 is not AWS CLI v2: $("$AWS2" --version 2>&1)"

echo "--- building tip-broker and broker-sandbox"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/tip-broker" ./cmd/tip-broker &&
	CGO_ENABLED=0 go build -trimpath -o "$TMP/broker-sandbox" ./scripts/broker-sandbox) || die "go build failed"
BROKER=$TMP/tip-broker

# Isolate from the caller's AWS and tip-broker settings: only what this
# script and the sandbox's env files set applies.
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_BROKER_)')
export AWS_CONFIG_FILE=/dev/null
export AWS_SHARED_CREDENTIALS_FILE=/dev/null
export AWS_EC2_METADATA_DISABLED=true
export AWS_MAX_ATTEMPTS=1
export AWS_PAGER=

echo "--- starting the broker sandbox"
SB=$TMP/sb
"$TMP/broker-sandbox" --out "$SB" ${MOTO:+--moto "$MOTO"} --payload-version "$PAYLOAD_VERSION" >"$TMP/sandbox.out" 2>"$TMP/sandbox.log" &
PIDS+=($!)
wait_for "$TMP/sandbox.out" '^ready$' "${PIDS[-1]}" "broker-sandbox"
info() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$SB/info.json" "$1"; }
AWS_URL=$(info aws_url)
JWKS_URL=$(info jwks_url)
APIGW_URL=$(info apigw_url)
BUCKET=$(info bucket)
TAG_KEY=$(info tag_key)
ACCESS_ROLE=$(info access_role)
REGION=$(. "$SB/app.env" && echo "$AWS_REGION")
APP_SECRET=$(. "$SB/app.env" && echo "$AWS_SECRET_ACCESS_KEY")
BROKER_SECRET=$(. "$SB/broker.env" && echo "$AWS_SECRET_ACCESS_KEY")
echo "    sandbox AWS $AWS_URL, API Gateway $APIGW_URL"

# --- helpers ------------------------------------------------------------------
# Mode settings, set by each mode below.
ENDPOINT=
AUTH=()

# app ARGS...: tip-broker as the application (app.env) against $ENDPOINT;
# stdout in $TMP/out, stderr in $TMP/err, exit code in RC.
app() {
	(
		. "$SB/app.env"
		export TIP_BROKER_ENDPOINT=$ENDPOINT TIP_BROKER_ID=$BROKER_ID
		exec timeout 30 "$BROKER" "$@" "${AUTH[@]}"
	) >"$TMP/out" 2>"$TMP/err"
	RC=$?
}

# refused NAME: the last command failed as tip-broker must: exit 1, empty
# stdout, one stderr line "tip-broker: …".
refused() {
	if [[ $RC == 1 && ! -s $TMP/out && $(wc -l <"$TMP/err") == 1 ]] && grep -q '^tip-broker: ' "$TMP/err"; then
		pass "$1 refused: $(cat "$TMP/err")"
	else
		fail "$1: exit $RC, stdout $(wc -c <"$TMP/out") bytes, stderr:"
		show "$TMP/err"
	fi
}

# s3get KEY [AWS CLI ARGS...]: the AWS CLI reads s3://$BUCKET/KEY to stdout
# with the credentials in CK/CS/CT; stdout in $TMP/s3out, stderr in $TMP/s3err.
s3get() {
	local key=$1
	shift
	AWS_ACCESS_KEY_ID=${CK:-} AWS_SECRET_ACCESS_KEY=${CS:-} AWS_SESSION_TOKEN=${CT:-} AWS_REGION=$REGION \
		timeout 30 "$AWS2" s3 cp "s3://$BUCKET/$key" - --endpoint-url "$AWS_URL" "$@" >"$TMP/s3out" 2>"$TMP/s3err"
}

# tenant_checks MODE: credentials for Yellow and Blue read their own prefix
# only; other-app and expired tokens are refused.
tenant_checks() {
	local mode=$1 tenant other
	for tenant in Yellow Blue; do
		other=Blue
		[[ $tenant == Blue ]] && other=Yellow
		app credentials --jwt - <"$SB/${tenant,,}.jwt"
		CK=$(field AccessKeyId <"$TMP/out")
		CS=$(field SecretAccessKey <"$TMP/out")
		CT=$(field SessionToken <"$TMP/out")
		if [[ $RC == 0 && -n $CK && -n $CS && -n $CT ]]; then
			pass "$mode: credentials for a $tenant user (--jwt - on stdin)"
			echo "$CS" >>"$TMP/secrets"
		else
			fail "$mode: credentials for a $tenant user: exit $RC"
			show "$TMP/err"
			continue
		fi
		if s3get "$tenant/report.csv" && grep -qx "tenant,$tenant" "$TMP/s3out"; then
			pass "$mode: aws s3 cp s3://$BUCKET/$tenant/report.csv with $tenant's credentials: $(cat "$TMP/s3out")"
		else
			fail "$mode: aws s3 cp s3://$BUCKET/$tenant/report.csv with $tenant's credentials"
			show "$TMP/s3err"
		fi
		if ! s3get "$other/report.csv" && grep -qE '403|AccessDenied|Forbidden' "$TMP/s3err" && [[ ! -s $TMP/s3out ]]; then
			pass "$mode: aws s3 cp s3://$BUCKET/$other/report.csv with $tenant's credentials denied: $(grep -m1 -E '403|AccessDenied' "$TMP/s3err")"
		else
			fail "$mode: aws s3 cp s3://$BUCKET/$other/report.csv with $tenant's credentials was not denied"
			show "$TMP/s3err"
		fi
	done
	app credentials --jwt - <"$SB/other-app.jwt"
	refused "$mode: another application's token"
	app credentials --jwt - <"$SB/expired.jwt"
	refused "$mode: an expired token"
}

# registration_checks MODE: register and describe the application role.
registration_checks() {
	local mode=$1
	app register --access-role-name "$ACCESS_ROLE" --session-tag-key "$TAG_KEY" \
		--jwt-claim-name "$TAG_KEY" --jwks-url "$JWKS_URL"
	if [[ $RC == 0 ]] && grep -q '"RoleArn": *"arn:aws:iam::[0-9]*:role/tenant-app"' "$TMP/out"; then
		pass "$mode: register the tenant-app role"
	else
		fail "$mode: register: exit $RC"
		show "$TMP/err"
	fi
	app describe
	if [[ $RC == 0 ]] && grep -qF "\"JWKSetURL\": \"$JWKS_URL\"" "$TMP/out"; then
		pass "$mode: describe shows the registration"
	else
		fail "$mode: describe: exit $RC"
		show "$TMP/err"
	fi
}

# deregister_checks MODE: deregister, then describe answers 404.
deregister_checks() {
	local mode=$1
	app deregister
	if [[ $RC == 0 ]]; then pass "$mode: deregister"; else fail "$mode: deregister: exit $RC"; show "$TMP/err"; fi
	app describe
	if [[ $RC == 1 && ! -s $TMP/out ]] && grep -q '404' "$TMP/err"; then
		pass "$mode: describe after deregister: $(cat "$TMP/err")"
	else
		fail "$mode: describe after deregister: exit $RC, want 1 with 404"
		show "$TMP/err"
	fi
}

# log_checks MODE LOG: access-log lines present, no token and no secret key.
log_checks() {
	local mode=$1 log=$2 leaked=
	if grep -q '"path":"/credentials"' "$log" && grep -q '"path":"/applications"' "$log"; then
		pass "$mode: access log has /applications and /credentials lines ($(grep -c '"msg":"request"' "$log") requests)"
	else
		fail "$mode: access log lines missing"
		show "$log"
	fi
	grep -q 'eyJ' "$log" && leaked="a JWT"
	grep -qFf "$TMP/secrets" "$log" && leaked="${leaked:+$leaked and }a secret key"
	if [[ -z $leaked ]]; then
		pass "$mode: log has no token and no secret key"
	else
		fail "$mode: log leaks $leaked"
	fi
}

printf '%s\n%s\n' "$APP_SECRET" "$BROKER_SECRET" >"$TMP/secrets"

# --- standalone mode ----------------------------------------------------------
echo "--- standalone mode: tip-broker serve"
PORT=$(free_port)
(
	. "$SB/broker.env"
	exec "$BROKER" serve --listen "127.0.0.1:$PORT" --broker-id "$BROKER_ID" \
		--sts-endpoint "$AWS_URL" --db "$TMP/reg.db" --insecure-allow-private-jwks
) 2>"$TMP/serve.log" &
PIDS+=($!)
wait_for "$TMP/serve.log" '^tip-broker: serving ' "${PIDS[-1]}" "tip-broker serve"
ENDPOINT=http://127.0.0.1:$PORT
AUTH=()
registration_checks standalone
tenant_checks standalone

# The application's own role has no S3 access: only the broker's tagged
# credentials read a tenant's object.
CK=$(. "$SB/app.env" && echo "$AWS_ACCESS_KEY_ID") CS=$APP_SECRET CT=$(. "$SB/app.env" && echo "$AWS_SESSION_TOKEN")
if ! s3get Yellow/report.csv && grep -qE '403|AccessDenied|Forbidden' "$TMP/s3err"; then
	pass "standalone: the application role's own credentials are denied Yellow's object"
else
	fail "standalone: the application role's own credentials read Yellow's object"
	show "$TMP/s3err"
fi

# The AWS CLI runs tip-broker itself as credential_process (the token in the
# config file is for this test only; applications pass it otherwise).
cat >"$TMP/aws-config" <<EOF
[profile yellow]
region = $REGION
credential_process = $BROKER credentials --output credential-process --jwt $(cat "$SB/yellow.jwt") --endpoint $ENDPOINT --broker-id $BROKER_ID
EOF
# profile_s3get KEY: the AWS CLI reads s3://$BUCKET/KEY with --profile yellow;
# the application's role credentials are in the environment for
# credential_process (an explicit --profile makes the CLI ignore them).
profile_s3get() {
	(
		. "$SB/app.env"
		export AWS_CONFIG_FILE=$TMP/aws-config
		exec timeout 30 "$AWS2" s3 cp "s3://$BUCKET/$1" - --endpoint-url "$AWS_URL" --profile yellow
	) >"$TMP/s3out" 2>"$TMP/s3err"
}
if profile_s3get Yellow/report.csv && grep -qx 'tenant,Yellow' "$TMP/s3out"; then
	pass "standalone: aws s3 cp --profile yellow (credential_process = tip-broker credentials) reads Yellow's object"
else
	fail "standalone: aws s3 cp --profile yellow through credential_process"
	show "$TMP/s3err"
fi
if ! profile_s3get Blue/report.csv && grep -qE '403|AccessDenied|Forbidden' "$TMP/s3err"; then
	pass "standalone: aws s3 cp --profile yellow is denied Blue's object"
else
	fail "standalone: aws s3 cp --profile yellow read Blue's object"
	show "$TMP/s3err"
fi
deregister_checks standalone
log_checks standalone "$TMP/serve.log"

# --- Lambda mode ----------------------------------------------------------------
if [[ -z $MOTO ]]; then
	echo "SKIP lambda mode (no moto)"
else
	echo "--- Lambda mode: bootstrap behind API Gateway (payload $PAYLOAD_VERSION), DynamoDB in moto $MOTO"
	if AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=$REGION timeout 30 "$AWS2" dynamodb create-table \
		--endpoint-url "$MOTO" --table-name "$TABLE" \
		--attribute-definitions AttributeName=RoleArn,AttributeType=S \
		--key-schema AttributeName=RoleArn,KeyType=HASH --billing-mode PAY_PER_REQUEST >/dev/null 2>"$TMP/err"; then
		pass "lambda: aws dynamodb create-table $TABLE in moto"
	elif grep -q ResourceInUseException "$TMP/err"; then
		pass "lambda: DynamoDB table $TABLE already exists in moto"
	else
		fail "lambda: aws dynamodb create-table $TABLE"
		show "$TMP/err"
	fi
	(
		. "$SB/broker.env"
		. "$SB/lambda.env"
		export TIP_BROKER_TABLE=$TABLE
		exec "$BROKER"
	) 2>"$TMP/lambda.log" &
	PIDS+=($!)
	ENDPOINT=$APIGW_URL
	AUTH=(--auth sigv4)
	code=$(curl -s -o "$TMP/curl.out" -w '%{http_code}' --retry 5 --retry-connrefused "$APIGW_URL/health")
	if [[ $code == 200 ]] && grep -q '"ok"' "$TMP/curl.out"; then
		pass "lambda: unsigned curl $APIGW_URL/health: 200 $(cat "$TMP/curl.out")"
	else
		fail "lambda: unsigned curl /health: HTTP $code, body $(head -c 200 "$TMP/curl.out")"
	fi
	registration_checks lambda
	tenant_checks lambda
	lines=$(wc -l <"$TMP/lambda.log")
	code=$(curl -s -o "$TMP/curl.out" -w '%{http_code}' "$APIGW_URL/applications")
	if [[ $code == 403 ]] && grep -q 'Missing Authentication Token' "$TMP/curl.out" && [[ $(wc -l <"$TMP/lambda.log") == "$lines" ]]; then
		pass "lambda: unsigned curl $APIGW_URL/applications: 403 $(cat "$TMP/curl.out"), function not invoked"
	else
		fail "lambda: unsigned curl: HTTP $code, body $(head -c 200 "$TMP/curl.out")"
	fi
	deregister_checks lambda
	log_checks lambda "$TMP/lambda.log"
fi

echo "broker-e2e: $PASSED passed, $FAILED failed"
((FAILED == 0))
