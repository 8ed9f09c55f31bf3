package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, k *testkit.Kit, args ...string) result {
	t.Helper()
	k.Reset()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := Run(ctx, k.F, BuildInfo{Version: "test"}, args)
	return result{code: code, stdout: k.Out.String(), stderr: k.ErrOut.String()}
}

type processJSON struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	AccountID       string `json:"AccountId"`
}

func decodeProcess(t *testing.T, s string) processJSON {
	t.Helper()
	var p processJSON
	if err := json.Unmarshal([]byte(s), &p); err != nil {
		t.Fatalf("stdout is not credential_process JSON: %v\n%s", err, s)
	}
	if p.Version != 1 || p.AccessKeyID == "" || p.SecretAccessKey == "" || p.SessionToken == "" || p.Expiration.IsZero() {
		t.Fatalf("incomplete credential_process JSON: %s", s)
	}
	return p
}

func TestSignInThenCachedCredentials(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")

	r := run(t, k, "auth")
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("auth: code %d stdout %q stderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "Signed in as alice@example.com") {
		t.Errorf("auth stderr: %s", r.stderr)
	}
	before := k.Env.AWS.Counts()

	r = run(t, k, "auth", "get-iam-credentials", "--non-interactive")
	if r.code != 0 {
		t.Fatalf("get-iam-credentials: %d %s", r.code, r.stderr)
	}
	p := decodeProcess(t, r.stdout)
	if p.AccountID != "123456789012" {
		t.Errorf("AccountId = %q", p.AccountID)
	}
	if r.stderr != "" {
		t.Errorf("cached path wrote to stderr: %q", r.stderr)
	}
	after := k.Env.AWS.Counts()
	for op, n := range after {
		if before[op] != n {
			t.Errorf("cached call reached AWS: %s %d → %d", op, before[op], n)
		}
	}

	// --force-refresh refreshes the IdP token and runs the chain once.
	idpBefore := k.Env.IdP.Counts()["token:refresh_token"]
	r = run(t, k, "auth", "get-iam-credentials", "--force-refresh", "--non-interactive")
	if r.code != 0 {
		t.Fatalf("force refresh: %d %s", r.code, r.stderr)
	}
	if p2 := decodeProcess(t, r.stdout); p2.AccessKeyID == p.AccessKeyID {
		t.Error("--force-refresh served the cached credentials")
	}
	if got := k.Env.IdP.Counts()["token:refresh_token"] - idpBefore; got != 1 {
		t.Errorf("IdP refreshes = %d, want 1", got)
	}
	if got := k.Env.AWS.Counts()["AssumeRole"] - after["AssumeRole"]; got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
}

func TestGetCredentialsSignsInWhenNeeded(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	r := run(t, k, "auth", "get-iam-credentials", "--format", "env")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	if k.Browser.Load() != 1 {
		t.Errorf("browser opened %d times", k.Browser.Load())
	}
	for _, v := range []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_CREDENTIAL_EXPIRATION="} {
		if !strings.Contains(r.stdout, "export "+v) {
			t.Errorf("env output lacks %s: %s", v, r.stdout)
		}
	}
}

func TestCredentialFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(t *testing.T, k *testkit.Kit)
		args     []string
		wantCode int
		wantErr  string
	}{
		{
			name:     "no config",
			setup:    func(*testing.T, *testkit.Kit) {},
			args:     []string{"auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  "not configured: run `tip-cli configure idp`",
		},
		{
			name:     "unknown profile",
			setup:    func(t *testing.T, k *testkit.Kit) { k.Configure(t, "default") },
			args:     []string{"--profile", "nope", "auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  `profile "nope" is not configured`,
		},
		{
			name: "corrupt saved config",
			setup: func(t *testing.T, k *testkit.Kit) {
				writeFile(t, filepath.Join(k.Dir, "config.json"), "{not json")
			},
			args:     []string{"auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  "is corrupt",
		},
		{
			name:     "not signed in, non-interactive",
			setup:    func(t *testing.T, k *testkit.Kit) { k.Configure(t, "default") },
			args:     []string{"auth", "get-iam-credentials", "--non-interactive"},
			wantCode: cmdutil.ExitAuth,
			wantErr:  "not signed in: run `tip-cli auth`",
		},
		{
			name: "refresh token revoked",
			setup: func(t *testing.T, k *testkit.Kit) {
				k.Configure(t, "default")
				mustRun(t, k, "auth")
				k.Env.IdP.RevokeAll()
			},
			args:     []string{"auth", "get-iam-credentials", "--non-interactive", "--force-refresh"},
			wantCode: cmdutil.ExitAuth,
			wantErr:  "not signed in (the identity provider session ended)",
		},
		{
			name: "IdP refuses sign-in",
			setup: func(t *testing.T, k *testkit.Kit) {
				k.Configure(t, "default")
				k.Env.IdP.DenyNext("access_denied")
			},
			args:     []string{"auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  "access_denied",
		},
		{
			name: "IdP unreachable",
			setup: func(t *testing.T, k *testkit.Kit) {
				p := k.Configure(t, "default")
				p.IssuerURL = "http://127.0.0.1:9" // discard port: nothing listens
				saveProfile(t, k, p)
			},
			args:     []string{"auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  "cannot reach identity provider at http://127.0.0.1:9",
		},
		{
			name:     "bad format",
			setup:    func(t *testing.T, k *testkit.Kit) { k.Configure(t, "default") },
			args:     []string{"auth", "get-iam-credentials", "--format", "yaml"},
			wantCode: cmdutil.ExitUsage,
			wantErr:  `invalid format "yaml"`,
		},
		{
			name:     "too many policy ARNs",
			setup:    func(t *testing.T, k *testkit.Kit) { k.Configure(t, "default") },
			args:     append([]string{"auth", "get-iam-credentials"}, repeat("--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess", 11)...),
			wantCode: cmdutil.ExitUsage,
			wantErr:  "at most 10 managed policy ARNs",
		},
	}
	for _, step := range []struct{ op, code, hint string }{
		{"AssumeRoleWithWebIdentity", "InvalidIdentityToken", "IAM OIDC provider"},
		{"CreateTokenWithIAM", "AccessDeniedException", "actor policy"},
		{"AssumeRole", "AccessDenied", "sts:SetContext"},
	} {
		step := step
		tests = append(tests, struct {
			name     string
			setup    func(t *testing.T, k *testkit.Kit)
			args     []string
			wantCode int
			wantErr  string
		}{
			name: step.op + " fails",
			setup: func(t *testing.T, k *testkit.Kit) {
				k.Configure(t, "default")
				status := 403
				if step.code == "InvalidIdentityToken" {
					status = 400
				}
				k.Env.AWS.FailNext(step.op, status, step.code, "denied by test")
			},
			args:     []string{"auth", "get-iam-credentials"},
			wantCode: cmdutil.ExitError,
			wantErr:  step.op + " (",
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := testkit.New(t, sandbox.EnvOptions{})
			tt.setup(t, k)
			r := run(t, k, tt.args...)
			if r.code != tt.wantCode {
				t.Errorf("exit code %d, want %d (stderr %q)", r.code, tt.wantCode, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout not empty on failure: %q", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.wantErr)
			}
			if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
				t.Errorf("stack trace on stderr: %s", r.stderr)
			}
		})
	}
}

func TestAWSStepErrorsNameCodeAndHint(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	k.Env.AWS.FailNext("AssumeRole", 403, "AccessDenied", "not authorized to perform sts:SetContext")
	r := run(t, k, "auth", "get-iam-credentials")
	if r.code == 0 {
		t.Fatal("want failure")
	}
	for _, want := range []string{"AssumeRole", "AccessDenied", "sts:SetContext", "trust policy"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); strings.Contains(r.stderr, "tip-cli:") && n > 3 {
		t.Errorf("error is not one line: %q", r.stderr)
	}
}

func mustRun(t *testing.T, k *testkit.Kit, args ...string) result {
	t.Helper()
	r := run(t, k, args...)
	if r.code != 0 {
		t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
	}
	return r
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func repeat(flag, value string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, flag, value)
	}
	return out
}

func saveProfile(t *testing.T, k *testkit.Kit, p *config.Profile) {
	t.Helper()
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Profiles["default"] = p
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
}
