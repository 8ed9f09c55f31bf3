package app

import (
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestDemoModes: `tip-cli demo` runs either TIP path against its own
// sandbox and prints credential_process JSON for that path's role.
func TestDemoModes(t *testing.T) {
	t.Parallel()
	tests := []struct{ mode, role string }{
		{"identity-center", "assumed-role/tip-sandbox-id-enhanced/"},
		{"iam-federation", "assumed-role/tip-sandbox-federation/"},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{})
			r := mustRun(t, k, "demo", "--tip-mode", tc.mode)
			decodeProcess(t, r.stdout)
			if !strings.Contains(r.stderr, "("+tc.mode+")") || !strings.Contains(r.stderr, "GetCallerIdentity with them: arn:aws:sts::123456789012:"+tc.role) {
				t.Errorf("stderr does not show mode %s and role %s:\n%s", tc.mode, tc.role, r.stderr)
			}
		})
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	if r := run(t, k, "demo", "--tip-mode", "saml"); r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, `"saml"`) {
		t.Errorf("bad mode: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
