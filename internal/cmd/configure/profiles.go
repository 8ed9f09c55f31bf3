package configure

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/store"
)

// ListOptions are what `configure list` needs.
type ListOptions struct {
	IO         *iostreams.IOStreams
	LoadConfig func() (*config.File, error)
}

// NewCmdList returns `configure list`.
func NewCmdList(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, LoadConfig: f.Config}
	return &cobra.Command{
		Use:   "list",
		Short: "List configured profiles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(opts)
		},
	}
}

func listRun(opts *ListOptions) error {
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	if len(cfg.Profiles) == 0 {
		fmt.Fprintln(opts.IO.ErrOut, "No profiles: run `tip-cli configure idp`")
		return nil
	}
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tSIGN-IN\tPROVIDER\tISSUER\tTIP MODE\tREGION")
	for _, name := range cfg.Names() {
		p, err := cfg.Profile(name)
		if err != nil { // a dangling sign-in: show the profile as saved
			p = cfg.Profiles[name]
		}
		signIn := p.SignIn
		if signIn == "" {
			signIn = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", name, signIn, p.Provider, p.Issuer(), p.TIPMode(), p.Region)
	}
	return tw.Flush()
}

// ShowOptions are the options of `configure show`.
type ShowOptions struct {
	IO *iostreams.IOStreams
	// Profile is the selected profile (--profile), set when the command runs.
	Profile    string
	LoadConfig func() (*config.File, error)
	Output     string
}

// NewCmdShow returns `configure show`.
func NewCmdShow(f *cmdutil.Factory, runF func(context.Context, *ShowOptions) error) *cobra.Command {
	opts := &ShowOptions{IO: f.IOStreams, LoadConfig: f.Config}
	cmd := &cobra.Command{
		Use:   "show",
		Short: "Show the selected profile's configuration",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.ValidateOutput(opts.Output); err != nil {
				return err
			}
			opts.Profile = f.ProfileName
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return showRun(opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func showRun(opts *ShowOptions) error {
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	p, err := cfg.Profile(opts.Profile)
	if err != nil {
		return err
	}
	if opts.Output == "json" {
		return cmdutil.WriteJSON(opts.IO.Out, p)
	}
	return showText(opts, p)
}

func showText(opts *ShowOptions, p *config.Profile) error {
	tw := tabwriter.NewWriter(opts.IO.Out, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"profile", opts.Profile},
		{"sign-in", p.SignIn},
		{"provider", p.Provider},
		{"issuer", p.Issuer()},
		{"client id", p.Client()},
		{"scopes", fmt.Sprint(p.OAuthScopes())},
		{"redirect uri", p.Redirect()},
		{"sign-in flow", p.SignInFlow()},
		{"tip mode", p.TIPMode()},
	}
	if p.TIPMode() == config.TIPModeIAMFederation {
		rows = append(rows, [][2]string{
			{"role", p.RoleARN},
			{"session duration", fmt.Sprintf("%ds", p.FederationDuration())},
			{"identity center instance", p.IdentityCenterInstanceARN},
		}...)
	} else {
		rows = append(rows, [][2]string{
			{"application", p.TokenExchangeApplicationARN},
			{"OIDC role", p.OIDCRoleARN},
			{"identity-enhanced role", p.IDEnhancedRoleARN},
		}...)
	}
	rows = append(rows, [2]string{"region", p.Region})
	for _, r := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", r[0], r[1])
	}
	if err := p.Validate(); err != nil {
		fmt.Fprintf(tw, "problem:\t%v\n", err)
	}
	return tw.Flush()
}

// DeleteOptions is what `configure delete` needs: a profile, or a shared
// sign-in no profile uses any more.
type DeleteOptions struct {
	IO         *iostreams.IOStreams
	ConfigDir  func() (string, error)
	LoadConfig func() (*config.File, error)
	// DeleteSecrets removes what the store keeps under a profile or
	// sign-in key (cmdutil.Factory.DeleteSecrets).
	DeleteSecrets func(ctx context.Context, key string) (string, error)

	Profile string
	SignIn  string
}

// NewCmdDelete returns `configure delete PROFILE | --sign-in NAME`.
func NewCmdDelete(f *cmdutil.Factory, runF func(context.Context, *DeleteOptions) error) *cobra.Command {
	opts := &DeleteOptions{IO: f.IOStreams, ConfigDir: f.ConfigDir, LoadConfig: f.Config, DeleteSecrets: f.DeleteSecrets}
	cmd := &cobra.Command{
		Use:   "delete PROFILE | --sign-in NAME",
		Short: "Delete a profile, or an unused shared sign-in, and its stored secrets",
		Long: "Delete a profile, its tokens and cached credentials. With --sign-in, delete a shared\n" +
			"sign-in's settings and tokens instead, once no profile uses it.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case opts.SignIn != "" && len(args) > 0:
				return cmdutil.FlagErrorf("give a profile or --sign-in, not both")
			case opts.SignIn == "" && len(args) == 0:
				return cmdutil.FlagErrorf("give the profile to delete, or --sign-in NAME")
			case opts.SignIn != "":
				if err := config.ValidateSignInName(opts.SignIn); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
			case len(args) == 1:
				if err := config.ValidateProfileName(args[0]); err != nil {
					return &cmdutil.FlagError{Err: err}
				}
				opts.Profile = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			if opts.SignIn != "" {
				return deleteSignInRun(cmd.Context(), opts)
			}
			return deleteRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.SignIn, "sign-in", "", "delete this shared sign-in (settings and tokens); no profile may use it")
	return cmd
}

func deleteRun(ctx context.Context, opts *DeleteOptions) error {
	name := opts.Profile
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	if _, ok := cfg.Profiles[name]; !ok {
		return &config.NotConfiguredError{Profile: name}
	}
	if _, err := opts.DeleteSecrets(ctx, name); err != nil {
		return err
	}
	// The last profile on a shared sign-in takes the sign-in's tokens with
	// it (the sign-in's settings stay, for `configure idp --sign-in`).
	if si := cfg.Profiles[name].SignIn; si != "" && len(cfg.SignInProfiles(si)) == 1 {
		if _, err := opts.DeleteSecrets(ctx, store.SignInKey(si)); err != nil {
			return err
		}
	}
	delete(cfg.Profiles, name)
	return saveDeleted(opts, cfg, "profile "+name)
}

// deleteSignInRun removes a shared sign-in nobody uses: its settings in
// config.json and its tokens. A sign-in still in use is refused, naming
// the profiles, since deleting it would leave them without an IdP.
func deleteSignInRun(ctx context.Context, opts *DeleteOptions) error {
	name := opts.SignIn
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	if _, ok := cfg.SignIns[name]; !ok {
		return fmt.Errorf("sign-in %q is not configured", name)
	}
	if users := cfg.SignInProfiles(name); len(users) > 0 {
		return fmt.Errorf("sign-in %q is used by profile %s: delete those first, or move them with `configure idp`", name, strings.Join(users, ", "))
	}
	if _, err := opts.DeleteSecrets(ctx, store.SignInKey(name)); err != nil {
		return err
	}
	delete(cfg.SignIns, name)
	return saveDeleted(opts, cfg, "sign-in "+name)
}

// saveDeleted saves cfg, from which what was just deleted, and says so.
func saveDeleted(opts *DeleteOptions, cfg *config.File, what string) error {
	dir, err := opts.ConfigDir()
	if err != nil {
		return err
	}
	if err := config.Save(dir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "✓ Deleted %s\n", what)
	return nil
}
