package configure

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/safefile"
)

// IdPOptions are the options of `configure idp`.
type IdPOptions struct {
	IO *iostreams.IOStreams
	// Profile is the selected profile (--profile), set when the command runs.
	Profile string
	// ConfigDir is where config.json is saved; LoadConfig reads it.
	ConfigDir  func() (string, error)
	LoadConfig func() (*config.File, error)

	Provider string
	Config   string
	// SignIn names the shared sign-in the profile uses (created from the
	// configuration's IdP settings, or picked when it has none).
	SignIn string
}

// NewCmdIdP returns `configure idp`.
func NewCmdIdP(f *cmdutil.Factory, runF func(context.Context, *IdPOptions) error) *cobra.Command {
	opts := newIdPOptions(f)
	cmd := &cobra.Command{
		Use:   "idp",
		Short: "Configure the identity provider and AWS roles of a profile",
		Long: "Configure a profile from JSON with the original tip-cli's keys:\n\n" + keysHelp() + `

With --sign-in NAME the identity provider settings go into the shared
sign-in NAME (created, or replaced for every profile on it), and the profile
keeps only its application, roles, region and session policies; without IdP
settings the profile picks the existing sign-in. Profiles on one sign-in sign
in once and share one refresh token.

The profile is validated before it is saved; a failed configure leaves the
saved configuration untouched.`,
		Example: `  tip-cli configure idp --provider okta --config '{"okta_url":"https://example.okta.com/oauth2/default","okta_client_id":"0oa…",…}'
  tip-cli --profile work configure idp --provider oidc --config ./work.json
  tip-cli --profile prod configure idp --sign-in corp --config '{"token_exchange_application_arn":"arn:aws:sso::…","oidc_role_arn":"…","id_enhanced_role_arn":"…"}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Profile = f.ProfileName
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return idpRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Provider, "provider", "", "identity provider: "+providerChoices())
	cmd.Flags().StringVar(&opts.Config, "config", "", "profile configuration as JSON or a path to a JSON file")
	cmd.Flags().StringVar(&opts.SignIn, "sign-in", "", "shared sign-in for this profile: created from the IdP settings given, or picked if none are")
	return cmd
}

// newIdPOptions takes from f what configure idp (and the legacy
// `configure --idp`) needs: the streams and the saved configuration.
func newIdPOptions(f *cmdutil.Factory) *IdPOptions {
	return &IdPOptions{IO: f.IOStreams, ConfigDir: f.ConfigDir, LoadConfig: f.Config}
}

func idpRun(_ context.Context, opts *IdPOptions) error {
	if opts.SignIn != "" {
		if err := config.ValidateSignInName(opts.SignIn); err != nil {
			return cmdutil.FlagErrorf("--sign-in: %v", err)
		}
	}
	if opts.Config == "" {
		return promptRun(opts)
	}
	data, err := readJSONOrFile(opts.Config)
	if err != nil {
		return err
	}
	p, err := config.ParseProfileJSON(data, opts.Provider)
	if err != nil {
		return cmdutil.FlagErrorf("--config: %v", err)
	}
	signIn := opts.SignIn
	if signIn == "" {
		signIn = p.SignIn // "sign_in" in the JSON
	}
	return saveProfile(opts, signIn, p, flagInvalid)
}

// promptRun asks for every setting on a terminal, showing the current
// values as defaults.
func promptRun(opts *IdPOptions) error {
	ios := opts.IO
	if !ios.IsStdinTTY() {
		return cmdutil.FlagErrorf("--config is required when stdin is not a terminal (refusing to prompt)")
	}
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	var cur config.Profile
	if p, ok := cfg.Profiles[opts.Profile]; ok {
		cur = *p
	}
	fmt.Fprintf(ios.ErrOut, "Configuring tip-cli profile %q (Enter keeps the value in brackets)\n", opts.Profile)
	pr := &prompter{in: bufio.NewReader(ios.In), out: ios.ErrOut}
	signIn := opts.SignIn
	if signIn == "" {
		if signIn, err = promptSignIn(pr, cfg, cur.SignIn); err != nil {
			return err
		}
	}
	if r, err := cfg.Profile(opts.Profile); err == nil && signIn == cur.SignIn {
		cur = *r // the IdP settings in use are the defaults
	} else if si := cfg.SignIns[signIn]; si != nil {
		cur = *cur.WithIdP(si) // picking a sign-in: its settings are the defaults
	}
	if opts.Provider != "" {
		cur.Provider = opts.Provider
	}
	p, err := promptProfile(pr, cur)
	if err != nil {
		return err
	}
	return saveProfile(opts, signIn, p, func(err error) error { return fmt.Errorf("invalid configuration: %w", err) })
}

// saveProfile loads the config (refusing to overwrite a corrupt one),
// places the selected profile (and its shared sign-in, if named), checks
// it and writes atomically. invalid wraps a validation error.
func saveProfile(opts *IdPOptions, signIn string, p *config.Profile, invalid func(error) error) error {
	dir, err := opts.ConfigDir()
	if err != nil {
		return err
	}
	cfg, err := opts.LoadConfig()
	if err != nil {
		return err
	}
	used, err := placeProfile(cfg, opts.Profile, signIn, p)
	if err != nil {
		return invalid(err)
	}
	if err := config.Save(dir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(opts.IO.ErrOut, "✓ Saved profile %s (%s, %s%s)\n", opts.Profile, used.Provider, used.Issuer(), signInSummary(cfg, used))
	return nil
}

func readJSONOrFile(arg string) ([]byte, error) {
	trimmed := strings.TrimSpace(arg)
	if strings.HasPrefix(trimmed, "{") {
		return []byte(trimmed), nil
	}
	// Bounded and never blocking: --config /dev/zero or a FIFO fails at once.
	data, err := safefile.Read(strings.TrimPrefix(arg, "file://"), config.MaxFileSize)
	if safefile.IsRefused(err) {
		return nil, cmdutil.FlagErrorf("--config: %v", err)
	}
	if err != nil {
		return nil, cmdutil.FlagErrorf("--config is neither JSON nor a readable file: %v", err)
	}
	return data, nil
}
