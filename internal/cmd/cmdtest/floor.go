package cmdtest

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// FloorRun runs the command newCmd builds, with args, against a new
// sandbox whose sessions last lifetime (0: as long as asked), on a
// configured profile the kit's fake browser signs in. For the tests of the
// one-minute floor (cmdutil.Handout).
func FloorRun(t *testing.T, lifetime time.Duration, newCmd func(*cmdutil.Factory) *cobra.Command, args ...string) (*testkit.Kit, error) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{SessionLifetime: lifetime})
	k.Configure(t, "default")
	return k, Run(newCmd(k.F), args...)
}

// CheckFloorErr fails t unless err is the floor's error for what ("the
// identity-enhanced session expires": "… at T, too soon to use") and
// nothing went to stdout.
func CheckFloorErr(t *testing.T, k *testkit.Kit, err error, what string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), what+" at ") || !strings.HasSuffix(err.Error(), ", too soon to use") {
		t.Errorf("err = %v, want %q … too soon to use", err, what)
	}
	if k.Out.Len() != 0 {
		t.Errorf("stdout: %q", k.Out)
	}
}
