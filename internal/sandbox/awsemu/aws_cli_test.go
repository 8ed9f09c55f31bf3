package awsemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// awsNeedCLI skips unless TIP_SANDBOX_AWSCLI=1 asks for the AWS CLI tests.
func awsNeedCLI(t *testing.T) {
	t.Helper()
	if os.Getenv("TIP_SANDBOX_AWSCLI") != "1" {
		t.Skip("set TIP_SANDBOX_AWSCLI=1 to run against the installed AWS CLI")
	}
}

// awsCLI runs the installed AWS CLI with creds and, of the AWS_ variables,
// only endpointEnv (an endpoint override); it returns its stdout.
func awsCLI(t *testing.T, creds aws.Credentials, endpointEnv string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", append(args, "--output", "json")...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, endpointEnv,
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey,
		"AWS_SESSION_TOKEN="+creds.SessionToken,
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("aws %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatalf("aws %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TestAWSCLIGetCallerIdentity checks the emulator's SigV4 verification
// against botocore: the installed AWS CLI calls GetCallerIdentity with the
// identity-enhanced credentials.
func TestAWSCLIGetCallerIdentity(t *testing.T) {
	t.Parallel()
	awsNeedCLI(t)
	f := awsStart(t, nil)
	_, enhanced := f.chain(t)
	out := awsCLI(t, enhanced, "AWS_ENDPOINT_URL="+f.aws.URL(), "sts", "get-caller-identity")
	var who struct{ Arn string }
	if err := json.Unmarshal(out, &who); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if want := "arn:aws:sts::123456789012:assumed-role/tip-sandbox-id-enhanced/tip-alice"; who.Arn != want {
		t.Errorf("Arn = %q, want %q", who.Arn, want)
	}
}

// TestAWSCLIIAM: botocore, reaching IAM through AWS_ENDPOINT_URL_IAM alone,
// signs for "iam" and gets the role (trust policy URL-encoded, which the
// CLI decodes) and the OIDC provider from the emulation.
func TestAWSCLIIAM(t *testing.T) {
	t.Parallel()
	awsNeedCLI(t)
	f := awsStart(t, nil)
	creds := f.aws.IssueRoleSession(f.aws.RoleARN("admin"), "admin", "role", time.Hour, nil, nil)
	endpoint := "AWS_ENDPOINT_URL_IAM=" + f.aws.URL()
	var role struct {
		Role struct {
			Arn                      string
			MaxSessionDuration       int
			AssumeRolePolicyDocument map[string]any
		}
	}
	out := awsCLI(t, creds, endpoint, "iam", "get-role", "--role-name", "tip-sandbox-federation")
	if err := json.Unmarshal(out, &role); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if role.Role.Arn != f.aws.FederationRoleARN() || role.Role.MaxSessionDuration != 43200 || role.Role.AssumeRolePolicyDocument["Statement"] == nil {
		t.Fatalf("get-role = %s", out)
	}
	var prov struct {
		URL          string `json:"Url"`
		ClientIDList []string
	}
	out = awsCLI(t, creds, endpoint, "iam", "get-open-id-connect-provider", "--open-id-connect-provider-arn", f.aws.OIDCProviderARN())
	if err := json.Unmarshal(out, &prov); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	u, _ := url.Parse(f.idp.Issuer())
	if prov.URL != u.Host || len(prov.ClientIDList) != 1 {
		t.Fatalf("get-open-id-connect-provider = %s", out)
	}
}
