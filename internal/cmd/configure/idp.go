package configure

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/safefile"
)

// IdPOptions are the options of `configure idp`.
type IdPOptions struct {
	F        *cmdutil.Factory
	Provider string
	Config   string
	// SignIn names the shared sign-in the profile uses (created from the
	// configuration's IdP settings, or picked when it has none).
	SignIn string
}

// NewCmdIdP returns `configure idp`.
func NewCmdIdP(f *cmdutil.Factory, runF func(context.Context, *IdPOptions) error) *cobra.Command {
	opts := &IdPOptions{F: f}
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
	return saveProfile(opts.F, signIn, p, flagInvalid)
}

// promptRun asks for every setting on a terminal, showing the current
// values as defaults.
func promptRun(opts *IdPOptions) error {
	f := opts.F
	if !f.IOStreams.IsStdinTTY() {
		return cmdutil.FlagErrorf("--config is required when stdin is not a terminal (refusing to prompt)")
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	var cur config.Profile
	if p, ok := cfg.Profiles[f.ProfileName]; ok {
		cur = *p
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "Configuring tip-cli profile %q (Enter keeps the value in brackets)\n", f.ProfileName)
	pr := &prompter{in: bufio.NewReader(f.IOStreams.In), out: f.IOStreams.ErrOut}
	signIn := opts.SignIn
	if signIn == "" {
		if signIn, err = promptSignIn(pr, cfg, cur.SignIn); err != nil {
			return err
		}
	}
	if r, err := cfg.Profile(f.ProfileName); err == nil && signIn == cur.SignIn {
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
	return saveProfile(f, signIn, p, func(err error) error { return fmt.Errorf("invalid configuration: %w", err) })
}

// saveProfile loads the config (refusing to overwrite a corrupt one),
// places the selected profile (and its shared sign-in, if named), checks
// it and writes atomically. invalid wraps a validation error.
func saveProfile(f *cmdutil.Factory, signIn string, p *config.Profile, invalid func(error) error) error {
	dir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	used, err := placeProfile(cfg, f.ProfileName, signIn, p)
	if err != nil {
		return invalid(err)
	}
	if err := config.Save(dir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Saved profile %s (%s, %s%s)\n", f.ProfileName, used.Provider, used.Issuer(), signInSummary(cfg, used))
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
