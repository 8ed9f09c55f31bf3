package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// LogoutOptions are the options of `auth logout`.
type LogoutOptions struct {
	F *cmdutil.Factory
}

// NewCmdLogout returns `auth logout`.
func NewCmdLogout(f *cmdutil.Factory, runF func(context.Context, *LogoutOptions) error) *cobra.Command {
	opts := &LogoutOptions{F: f}
	return &cobra.Command{
		Use:   "logout",
		Short: "Remove this profile's tokens and cached credentials (all profiles on its shared sign-in)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return logoutRun(cmd.Context(), opts)
		},
	}
}

func logoutRun(ctx context.Context, opts *LogoutOptions) error {
	f := opts.F
	names, backend, err := f.Logout(ctx)
	if err != nil {
		return err
	}
	if len(names) > 1 || names[0] != f.ProfileName {
		fmt.Fprintf(f.IOStreams.ErrOut, "✓ Signed out of the shared sign-in of profiles %s (%s store cleared)\n", strings.Join(names, ", "), backend)
		return nil
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Signed out of profile %s (%s store cleared)\n", f.ProfileName, backend)
	return nil
}
