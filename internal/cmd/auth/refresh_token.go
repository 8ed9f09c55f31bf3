package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// RefreshTokenOptions are the options of `auth refresh-token`.
type RefreshTokenOptions struct {
	F *cmdutil.Factory
}

// NewCmdRefreshToken returns `auth refresh-token`.
func NewCmdRefreshToken(f *cmdutil.Factory, runF func(context.Context, *RefreshTokenOptions) error) *cobra.Command {
	opts := &RefreshTokenOptions{F: f}
	return &cobra.Command{
		Use:   "refresh-token",
		Short: "Refresh the identity provider tokens now",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return refreshTokenRun(cmd.Context(), opts)
		},
	}
}

func refreshTokenRun(ctx context.Context, opts *RefreshTokenOptions) error {
	f := opts.F
	_, m, err := f.ProfileManager(cmdutil.SignInOptions{NonInteractive: true})
	if err != nil {
		return err
	}
	t, err := m.RefreshTokens(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Refreshed identity provider tokens; ID token valid until %s\n", t.Expiry.Local().Format(time.RFC1123))
	return nil
}
