package awsemu

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAWSCLIGetCallerIdentity checks the emulator's SigV4 verification
// against botocore: the installed AWS CLI calls GetCallerIdentity with the
// identity-enhanced credentials. Set TIP_SANDBOX_AWSCLI=1 to run it.
func TestAWSCLIGetCallerIdentity(t *testing.T) {
	t.Parallel()
	if os.Getenv("TIP_SANDBOX_AWSCLI") != "1" {
		t.Skip("set TIP_SANDBOX_AWSCLI=1 to run against the installed AWS CLI")
	}
	f := awsStart(t, nil)
	_, enhanced := f.chain(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "aws", "sts", "get-caller-identity", "--output", "json")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"AWS_ACCESS_KEY_ID="+enhanced.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+enhanced.SecretAccessKey,
		"AWS_SESSION_TOKEN="+enhanced.SessionToken, "AWS_ENDPOINT_URL="+f.aws.URL(),
		"AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1", "AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("aws sts get-caller-identity: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("aws sts get-caller-identity: %v", err)
	}
	var who struct{ Arn string }
	if err := json.Unmarshal(out, &who); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if want := "arn:aws:sts::123456789012:assumed-role/tip-sandbox-id-enhanced/tip-alice"; who.Arn != want {
		t.Errorf("Arn = %q, want %q", who.Arn, want)
	}
}
