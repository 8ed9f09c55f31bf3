#!/usr/bin/env bash
# The original IAM Session Broker sample's walkthrough (its README's "Test
# service" section), command for command, against tip-broker's Lambda mode:
#   1. the stack: `tip-broker template` deployed with the AWS CLI v2 into
#      moto's CloudFormation; the sample's describe-stacks queries read its
#      APIEndpoint (must end in "/") and ServiceRoleName outputs, and the
#      function's registrations go to the DynamoDB table moto created for it;
#   2. the API calls: the sample's awscurl commands (scripts/broker-walkthrough/
#      awscurl.py, botocore's SigV4 signer, stands in for awscurl) on
#      "${_isb_service_api_endpoint}applications" and "…credentials?jwt=",
#      answered by the real bootstrap behind the sandbox's API Gateway and
#      Lambda Runtime API (moto cannot run functions without docker), so the
#      endpoint's host is the sandbox's, its shape the stack's;
#   3. Yellow's credentials read Yellow/ and get Access Denied on Blue/ with
#      `aws s3api get-object`, then DELETE deregisters.
# Deliberate difference (docs/broker.md): the access role's trust policy must
# require sts:ExternalId; the sample's unconditioned one is refused, shown too.
# Needs: go, python3 with botocore, jq, /usr/bin/aws (AWS CLI v2), and
# TIP_CLI_TEST_MOTO_URL=http://127.0.0.1:PORT (a running moto_server).
set -uo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=broker-walkthrough
# shellcheck source=scripts/lib.sh
. "$ROOT/scripts/lib.sh"
AWS2=${AWS2:-/usr/bin/aws}
MOTO=${TIP_CLI_TEST_MOTO_URL:-}
PIDS=()
[[ -n $MOTO ]] || die "set TIP_CLI_TEST_MOTO_URL=http://127.0.0.1:PORT (a running moto_server)"
for tool in go python3 jq; do command -v "$tool" >/dev/null || die "$tool not found"; done
"$AWS2" --version 2>&1 | grep -q '^aws-cli/2' || die "$AWS2 is not AWS CLI v2"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/tip-broker-walkthrough.XXXXXX")
cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
while read -r v; do unset "$v"; done < <(compgen -e | grep -E '^(AWS_|TIP_BROKER_)')
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true AWS_MAX_ATTEMPTS=1 AWS_PAGER=

echo "--- building tip-broker (bootstrap) and broker-sandbox"
(cd "$ROOT" && CGO_ENABLED=0 go build -trimpath -o "$TMP/bootstrap" ./cmd/tip-broker &&
	CGO_ENABLED=0 go build -trimpath -o "$TMP/broker-sandbox" ./scripts/broker-sandbox) || die "go build failed"

# moto: the account's "real" AWS for the stack (any credentials do).
moto_aws() { AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 "$AWS2" --endpoint-url "$MOTO" "$@"; }

echo "--- deploying the stack into moto's CloudFormation"
STACK=tip-broker-walkthrough-$(date +%s%N)
python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1],"w"); z.write(sys.argv[2],"bootstrap")' "$TMP/tip-broker.zip" "$TMP/bootstrap"
"$TMP/bootstrap" template >"$TMP/broker.yaml" || die "tip-broker template failed"
moto_aws s3 mb "s3://$STACK-code" >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "create code bucket"; }
moto_aws s3 cp "$TMP/tip-broker.zip" "s3://$STACK-code/tip-broker.zip" >/dev/null 2>"$TMP/err" || { show "$TMP/err"; die "upload code"; }
if moto_aws cloudformation create-stack --stack-name "$STACK" --template-body "file://$TMP/broker.yaml" --capabilities CAPABILITY_IAM \
	--parameters "ParameterKey=CodeBucket,ParameterValue=$STACK-code" ParameterKey=CodeKey,ParameterValue=tip-broker.zip >/dev/null 2>"$TMP/err" &&
	moto_aws cloudformation wait stack-create-complete --stack-name "$STACK" 2>"$TMP/err"; then
	pass "aws cloudformation create-stack (tip-broker template) in moto: CREATE_COMPLETE"
else
	fail "create-stack in moto"
	show "$TMP/err"
	exit 1
fi

# The sample's own queries, verbatim but for the stack name and endpoint.
_isb_service_api_endpoint=$(moto_aws cloudformation describe-stacks \
	--stack-name "$STACK" \
	--query 'Stacks[*].Outputs[?OutputKey==`APIEndpoint`].OutputValue' \
	--output text)
_isb_service_principal_role_name=$(moto_aws cloudformation describe-stacks \
	--stack-name "$STACK" \
	--query 'Stacks[*].Outputs[?OutputKey==`ServiceRoleName`].OutputValue' \
	--output text)
_table=$(moto_aws cloudformation describe-stacks --stack-name "$STACK" \
	--query 'Stacks[*].Outputs[?OutputKey==`TableName`].OutputValue' --output text)
if [[ $_isb_service_api_endpoint =~ ^https://[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com/prod/$ ]]; then
	pass "APIEndpoint output ends in /: $_isb_service_api_endpoint"
else
	fail "APIEndpoint output: '$_isb_service_api_endpoint'"
fi
if [[ -n $_isb_service_principal_role_name && $_isb_service_principal_role_name != None ]] &&
	moto_aws iam get-role --role-name "$_isb_service_principal_role_name" >/dev/null 2>&1; then
	pass "ServiceRoleName output names the broker role: $_isb_service_principal_role_name"
else
	fail "ServiceRoleName output: '$_isb_service_principal_role_name'"
fi

echo "--- the function: bootstrap behind the sandbox's API Gateway, registrations in the stack's table $_table"
SB=$TMP/sb
"$TMP/broker-sandbox" --out "$SB" --moto "$MOTO" >"$TMP/sandbox.out" 2>"$TMP/sandbox.log" &
PIDS+=($!)
for _ in $(seq 1 300); do grep -q '^ready$' "$TMP/sandbox.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^ready$' "$TMP/sandbox.out" || { show "$TMP/sandbox.log"; die "broker-sandbox not ready"; }
info() { jq -r ".$1" "$SB/info.json"; }
AWS_URL=$(info aws_url)
(
	. "$SB/broker.env"
	. "$SB/lambda.env"
	export TIP_BROKER_TABLE=$_table TIP_BROKER_MODE=lambda
	exec "$TMP/bootstrap"
) 2>"$TMP/function.log" &
PIDS+=($!)
# The sample's endpoint, on the emulation's host: same stage, same trailing /.
_isb_service_api_endpoint="$(info apigw_url)/"
_region=$(. "$SB/app.env" && echo "$AWS_REGION")
_app_service_principal_role_credentials=$(. "$SB/app.env" && echo "$AWS_ACCESS_KEY_ID $AWS_SECRET_ACCESS_KEY $AWS_SESSION_TOKEN")
_app_access_principal_role_name=$(info access_role)
_session_tag_key=TenantID
_jwt_claim_name=TenantID
_jwks_url=$(info jwks_url)
_user_jwt=$(cat "$SB/yellow.jwt")
_bucket=$(info bucket)
_user_tenant_id=Yellow
_other_tenant_id=Blue
# awscurl on PATH, as the sample expects (env runs it as a program).
mkdir -p "$TMP/bin"
printf '#!/bin/sh\nexec python3 %q "$@"\n' "$ROOT/scripts/broker-walkthrough/awscurl.py" >"$TMP/bin/awscurl"
chmod +x "$TMP/bin/awscurl"
export PATH=$TMP/bin:$PATH
# json_is FILE FILTER: FILE is a JSON document for which FILTER is true.
json_is() { [[ -s $1 ]] && jq -e "$2" "$1" >/dev/null 2>&1; }

# register ROLE: the sample's registration command (AccessPrincipalRoleName).
register() {
	env \
		$(echo ${_app_service_principal_role_credentials} |
			awk '{printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s",$1,$2,$3}') \
		awscurl --region ${_region} -X POST -d "{ \
            \"AccessPrincipalRoleName\": \"$1\", \
            \"SessionTagKey\": \"${_session_tag_key}\", \
            \"JWTClaimName\": \"${_jwt_claim_name}\", \
            \"JWKSetURL\": \"${_jwks_url}\" \
        }" "${_isb_service_api_endpoint}applications"
}

if register tenant-access-unbound >"$TMP/out" 2>"$TMP/err"; then
	fail "the sample's unconditioned trust policy was accepted"
elif json_is "$TMP/out" '.error == "AccessRoleNotBound"'; then
	pass "an access role trusting the broker without sts:ExternalId is refused: $(jq -r .message "$TMP/out" | cut -c1-120)…"
else
	fail "unbound role: $(cat "$TMP/out" "$TMP/err")"
fi
if register "${_app_access_principal_role_name}" >"$TMP/out" 2>"$TMP/err" && json_is "$TMP/out" '.AccessRoleName == "tenant-access"'; then
	pass "awscurl -X POST \${_isb_service_api_endpoint}applications registers $(jq -r .RoleArn "$TMP/out")"
else
	fail "register: $(cat "$TMP/out" "$TMP/err")"
	show "$TMP/function.log"
fi

# table_items: the number of registrations in the stack's table.
table_items() { moto_aws dynamodb scan --table-name "$_table" --select COUNT --query Count --output text 2>&1; }
if [[ $(table_items) == 1 ]]; then
	pass "the registration is in the stack's DynamoDB table"
else
	fail "the stack's table holds '$(table_items)' items after POST"
fi

env \
	$(echo ${_app_service_principal_role_credentials} |
		awk '{printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s",$1,$2,$3}') \
	awscurl --region ${_region} -X GET "${_isb_service_api_endpoint}credentials?jwt=${_user_jwt}" \
	>"$TMP/app_access_principal_role_credentials.json" 2>"$TMP/err"
if json_is "$TMP/app_access_principal_role_credentials.json" '.AccessKeyId and .SecretAccessKey and .SessionToken'; then
	pass "awscurl \${_isb_service_api_endpoint}credentials?jwt=… returns credentials"
else
	fail "credentials: $(cat "$TMP/app_access_principal_role_credentials.json" "$TMP/err")"
fi

# get_object TENANT: the sample's test-access command (plus the emulation's endpoint).
get_object() {
	env \
		AWS_ACCESS_KEY_ID=$(cat "$TMP/app_access_principal_role_credentials.json" | jq -r .AccessKeyId) \
		AWS_SECRET_ACCESS_KEY=$(cat "$TMP/app_access_principal_role_credentials.json" | jq -r .SecretAccessKey) \
		AWS_SESSION_TOKEN=$(cat "$TMP/app_access_principal_role_credentials.json" | jq -r .SessionToken) \
		AWS_REGION=${_region} \
		"$AWS2" s3api get-object --bucket ${_bucket} --key "$1/report.csv" "$TMP/$1-file.txt" --endpoint-url "$AWS_URL"
}
if get_object ${_user_tenant_id} >/dev/null 2>"$TMP/err" && grep -qx 'tenant,Yellow' "$TMP/Yellow-file.txt"; then
	pass "aws s3api get-object Yellow/ with the credentials: $(cat "$TMP/Yellow-file.txt")"
else
	fail "get-object Yellow/"
	show "$TMP/err"
fi
if ! get_object ${_other_tenant_id} >/dev/null 2>"$TMP/err" && grep -qE 'AccessDenied|Forbidden|403' "$TMP/err"; then
	pass "aws s3api get-object Blue/ is denied: $(grep -m1 -E 'AccessDenied|Forbidden|403' "$TMP/err")"
else
	fail "get-object Blue/ was not denied"
	show "$TMP/err"
fi

if env \
	$(echo ${_app_service_principal_role_credentials} |
		awk '{printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s",$1,$2,$3}') \
	awscurl --region ${_region} -X DELETE "${_isb_service_api_endpoint}applications" >"$TMP/out" 2>"$TMP/err"; then
	pass "awscurl -X DELETE \${_isb_service_api_endpoint}applications deregisters"
else
	fail "deregister: $(cat "$TMP/out" "$TMP/err")"
fi
n=$(table_items)
if [[ $n == 0 ]]; then
	pass "the stack's DynamoDB table is empty again"
else
	fail "the stack's table holds '$n' items after DELETE"
fi
echo "$PROG: $PASSED passed, $FAILED failed"
((FAILED == 0))
