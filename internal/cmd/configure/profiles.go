package configure

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/store"
)

// NewCmdList returns `configure list`.
func NewCmdList(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List configured profiles",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			if len(cfg.Profiles) == 0 {
				fmt.Fprintln(f.IOStreams.ErrOut, "No profiles: run `tip-cli configure idp`")
				return nil
			}
			tw := tabwriter.NewWriter(f.IOStreams.Out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PROFILE\tSIGN-IN\tPROVIDER\tISSUER\tREGION")
			for _, name := range cfg.Names() {
				p, err := cfg.Profile(name)
				if err != nil { // a dangling sign-in: show the profile as saved
					p = cfg.Profiles[name]
				}
				signIn := p.SignIn
				if signIn == "" {
					signIn = "-"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", name, signIn, p.Provider, p.Issuer(), p.Region)
			}
			return tw.Flush()
		},
	}
}

// ShowOptions are the options of `configure show`.
type ShowOptions struct {
	F      *cmdutil.Factory
	Output string
}

// NewCmdShow returns `configure show`.
func NewCmdShow(f *cmdutil.Factory) *cobra.Command {
	opts := &ShowOptions{F: f}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the selected profile's configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.ValidateOutput(opts.Output); err != nil {
				return err
			}
			p, err := f.Profile()
			if err != nil {
				return err
			}
			if opts.Output == "json" {
				return cmdutil.WriteJSON(f.IOStreams.Out, p)
			}
			return showText(f, p)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func showText(f *cmdutil.Factory, p *config.Profile) error {
	tw := tabwriter.NewWriter(f.IOStreams.Out, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"profile", f.ProfileName},
		{"sign-in", p.SignIn},
		{"provider", p.Provider},
		{"issuer", p.Issuer()},
		{"client id", p.Client()},
		{"scopes", fmt.Sprint(p.OAuthScopes())},
		{"redirect uri", p.Redirect()},
		{"sign-in flow", p.SignInFlow()},
		{"application", p.TokenExchangeApplicationARN},
		{"OIDC role", p.OIDCRoleARN},
		{"identity-enhanced role", p.IDEnhancedRoleARN},
		{"region", p.Region},
	}
	for _, r := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	if err := p.Validate(); err != nil {
		fmt.Fprintf(tw, "problem:\t%v\n", err)
	}
	return tw.Flush()
}

// NewCmdDelete returns `configure delete PROFILE`.
func NewCmdDelete(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "delete PROFILE",
		Short: "Delete a profile and its stored secrets",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return deleteRun(cmd.Context(), f, args[0])
		},
	}
}

func deleteRun(ctx context.Context, f *cmdutil.Factory, name string) error {
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	if _, ok := cfg.Profiles[name]; !ok {
		return &config.NotConfiguredError{Profile: name}
	}
	if _, err := f.DeleteSecrets(ctx, name); err != nil {
		return err
	}
	// The last profile on a shared sign-in takes the sign-in's tokens with
	// it (the sign-in's settings stay, for `configure idp --sign-in`).
	if si := cfg.Profiles[name].SignIn; si != "" && len(cfg.SignInProfiles(si)) == 1 {
		if _, err := f.DeleteSecrets(ctx, store.SignInKey(si)); err != nil {
			return err
		}
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	delete(cfg.Profiles, name)
	if err := config.Save(dir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Deleted profile %s\n", name)
	return nil
}
