package s3ag

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// ClearOptions are the options of `s3ag clear-credentials`.
type ClearOptions struct {
	F *cmdutil.Factory
}

// NewCmdClearCredentials returns `s3ag clear-credentials`.
func NewCmdClearCredentials(f *cmdutil.Factory, runF func(context.Context, *ClearOptions) error) *cobra.Command {
	opts := &ClearOptions{F: f}
	return &cobra.Command{
		Use:   "clear-credentials",
		Short: "Forget cached S3 Access Grants credentials (local, no network)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return clearRun(cmd.Context(), opts)
		},
	}
}

func clearRun(ctx context.Context, opts *ClearOptions) error {
	f := opts.F
	m, err := f.CacheManager()
	if err != nil {
		return err
	}
	n, err := m.ClearGrants(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Cleared %d cached S3 Access Grants credential(s) for profile %s\n", n, f.ProfileName)
	return nil
}
