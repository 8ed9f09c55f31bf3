package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// get-iam-credentials prints nothing for a session with less than a
// minute left (warm.Floor), even one it has just minted, and says so.
func TestGetIAMCredentialsFloor(t *testing.T) {
	t.Parallel()
	newCmd := func(f *cmdutil.Factory) *cobra.Command { return auth.NewCmdGetIAMCredentials(f, nil) }
	t.Run("hour", func(t *testing.T) {
		t.Parallel()
		k, err := cmdtest.FloorRun(t, 0, newCmd)
		if err != nil || !strings.Contains(k.Out.String(), `"AccessKeyId"`) {
			t.Fatalf("get-iam-credentials: %v\nstdout: %s\nstderr: %s", err, k.Out, k.ErrOut)
		}
	})
	t.Run("30s", func(t *testing.T) {
		t.Parallel()
		k, err := cmdtest.FloorRun(t, 30*time.Second, newCmd)
		cmdtest.CheckFloorErr(t, k, err, "the identity-enhanced session expires")
	})
}
