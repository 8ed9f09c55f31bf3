package auth

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/store"
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
		Short: "Remove this profile's tokens and cached credentials",
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
	st, err := f.Store()
	if err != nil {
		return err
	}
	if err := st.Delete(ctx, f.ProfileName); err != nil {
		return fmt.Errorf("remove secrets of profile %q: %w", f.ProfileName, err)
	}
	// A forced or fallen-back backend clears only itself; the file store
	// may hold an older copy from a time without a keyring.
	dir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	if err := store.NewFileStore(dir).Delete(ctx, f.ProfileName); err != nil {
		return fmt.Errorf("remove secret files of profile %q: %w", f.ProfileName, err)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Signed out of profile %s (%s store cleared)\n", f.ProfileName, st.Name())
	return nil
}
