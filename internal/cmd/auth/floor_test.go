package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// get-iam-credentials prints nothing for a session with less than a
// minute left (warm.Floor), even one it has just minted, and says so.
func TestGetIAMCredentialsFloor(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		lifetime time.Duration
		wantErr  string
	}{
		{0, ""},
		{30 * time.Second, "the identity-enhanced session expires at "},
	} {
		t.Run(tt.lifetime.String(), func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: tt.lifetime})
			k.Configure(t, "default")
			err := cmdtest.Run(auth.NewCmdGetIAMCredentials(k.F, nil))
			if tt.wantErr == "" {
				if err != nil || !strings.Contains(k.Out.String(), `"AccessKeyId"`) {
					t.Fatalf("get-iam-credentials: %v\nstdout: %s\nstderr: %s", err, k.Out, k.ErrOut)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasSuffix(err.Error(), ", too soon to use") {
				t.Errorf("get-iam-credentials: err = %v, want %q … too soon to use", err, tt.wantErr)
			}
			if k.Out.Len() != 0 {
				t.Errorf("stdout: %q", k.Out)
			}
		})
	}
}
