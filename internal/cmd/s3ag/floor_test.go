package s3ag_test

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/s3ag"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// get-data-access prints nothing for grant credentials with less than a
// minute left (warm.Floor), even just minted ones, and says so.
func TestGetDataAccessFloor(t *testing.T) {
	t.Parallel()
	newCmd := func(f *cmdutil.Factory) *cobra.Command { return s3ag.NewCmdGetDataAccess(f, nil) }
	args := []string{"s3://tip-sandbox-data/analysts/x", "--format", "json"}
	t.Run("hour", func(t *testing.T) {
		t.Parallel()
		k, err := cmdtest.FloorRun(t, 0, newCmd, args...)
		if out := k.Out.String(); err != nil || !strings.Contains(out, `"AccessKeyId"`) || !strings.Contains(out, "s3://tip-sandbox-data/analysts/*") {
			t.Fatalf("get-data-access: %v\nstdout: %s\nstderr: %s", err, k.Out, k.ErrOut)
		}
	})
	t.Run("30s", func(t *testing.T) {
		t.Parallel()
		k, err := cmdtest.FloorRun(t, 30*time.Second, newCmd, args...)
		cmdtest.CheckFloorErr(t, k, err, "the S3 Access Grants credentials expire")
	})
}
