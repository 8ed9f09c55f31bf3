package exec_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	execcmd "github.com/tip-cli/tip-cli/internal/cmd/exec"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

func runExec(t *testing.T, k *testkit.Kit, args ...string) error {
	t.Helper()
	cmd := execcmd.NewCmdExec(k.F, nil)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return cmd.ExecuteContext(ctx)
}

// exec --server: the Go SDK inside gets credentials from the endpoint, the
// environment holds no static key and no profile, and the exit status
// passes through.
func TestExecServer(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	sync := t.TempDir()
	for ph := range phases {
		if err := os.WriteFile(filepath.Join(sync, "go-"+string(rune('0'+ph))), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for key, v := range map[string]string{
		"PATH": os.Getenv("PATH"), "SYNC": sync, goSDKClientEnv: "1", "HOME": t.TempDir(),
		"AWS_ENDPOINT_URL": k.Env.AWS.URL(), "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
		"AWS_ACCESS_KEY_ID": "AKIADECOYDECOYDECOY0", "AWS_SESSION_TOKEN": "decoy", "AWS_PROFILE": "decoy",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/decoy",
	} {
		k.Vars[key] = v
	}
	if err := runExec(t, k, "--server", "--", self); err != nil {
		t.Fatalf("exec --server: %v\n%s\n%s", err, k.Out, k.ErrOut)
	}
	lines := strings.Split(strings.TrimSpace(k.Out.String()), "\n")
	if len(lines) != phases {
		t.Fatalf("Go SDK client printed %d lines, want %d:\n%s", len(lines), phases, k.Out)
	}
	for _, l := range lines {
		if f := strings.Fields(l); len(f) != 4 || f[2] == "ERROR" || !strings.Contains(f[3], "tip-sandbox-id-enhanced") {
			t.Errorf("Go SDK call: %q", l)
		}
	}

	k.Reset()
	err = runExec(t, k, "--server", "--", "sh", "-c", `env | grep -E '^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|CONTAINER_CREDENTIALS_RELATIVE_URI)=' ; echo "uri=$AWS_CONTAINER_CREDENTIALS_FULL_URI tok=${#AWS_CONTAINER_AUTHORIZATION_TOKEN}"; exit 7`)
	var code *cmdutil.ExitCodeError
	if !errors.As(err, &code) || code.Code != 7 {
		t.Errorf("exit status: err = %v, want ExitCodeError 7", err)
	}
	out := k.Out.String()
	if strings.Contains(out, "AWS_") {
		t.Errorf("the command's environment holds static or ambient settings:\n%s", out)
	}
	if !strings.Contains(out, "uri=http://127.0.0.1:") || !strings.Contains(out, "tok=43") {
		t.Errorf("container variables: %s", out)
	}
}

func TestExecFlagErrors(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--server", "sh"}, "put the command after --"},
		{[]string{"--s3ag", "s3://bucket/p/", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", "--", "true"}, "cannot be combined"},
		{[]string{"--server", "--s3ag", "not-a-uri", "--", "true"}, "S3 URI"},
		{[]string{"--server", "--s3ag", "s3://bucket/p/", "--permission", "ALL", "--", "true"}, "permission"},
	} {
		k := testkit.New(t, sandbox.EnvOptions{})
		err := runExec(t, k, tt.args...)
		var fe *cmdutil.FlagError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("exec %v: err = %v, want a usage error with %q", tt.args, err, tt.want)
		}
	}
}
