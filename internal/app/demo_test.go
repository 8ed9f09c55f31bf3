package app

import (
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestDemoModes: `tip-cli demo` runs either TIP path against its own
// sandbox and prints credential_process JSON; in iam-federation mode the
// session carries the person, shown by subject type, never by Subject.
func TestDemoModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode, role string
		carries    bool
	}{
		{"identity-center", "assumed-role/tip-sandbox-id-enhanced/", false},
		{"iam-federation", "assumed-role/tip-sandbox-federation/", true},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{})
			r := mustRun(t, k, "demo", "--tip-mode", tc.mode)
			decodeProcess(t, r.stdout)
			if !strings.Contains(r.stderr, "(tip_mode "+tc.mode+")") || !strings.Contains(r.stderr, tc.role) {
				t.Errorf("stderr does not show mode %s and role %s:\n%s", tc.mode, tc.role, r.stderr)
			}
			if got := strings.Contains(r.stderr, "carries the person"); got != tc.carries {
				t.Errorf("carries the person shown = %v, want %v:\n%s", got, tc.carries, r.stderr)
			}
			for _, line := range strings.Split(r.stderr, "\n") {
				if strings.Contains(line, "carries the person") && (strings.Contains(line, "alice") || !strings.Contains(line, "subject type user")) {
					t.Errorf("the context line names the subject or lacks its type: %s", line)
				}
			}
		})
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	if r := run(t, k, "demo", "--tip-mode", "saml"); r.code == 0 || r.stdout != "" || !strings.Contains(r.stderr, `invalid --tip-mode "saml"`) {
		t.Errorf("bad mode: code %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
