package configure

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

// IdPOptions are the options of `configure idp`.
type IdPOptions struct {
	F        *cmdutil.Factory
	Provider string
	Config   string
}

// NewCmdIdP returns `configure idp`.
func NewCmdIdP(f *cmdutil.Factory, runF func(context.Context, *IdPOptions) error) *cobra.Command {
	opts := &IdPOptions{F: f}
	cmd := &cobra.Command{
		Use:   "idp",
		Short: "Configure the identity provider and AWS roles of a profile",
		Long: "Configure a profile from JSON with the original tip-cli's keys:\n\n" + keysHelp() + `

The profile is validated before it is saved; a failed configure leaves the
saved configuration untouched.`,
		Example: `  tip-cli configure idp --provider okta --config '{"okta_url":"https://example.okta.com/oauth2/default","okta_client_id":"0oa…",…}'
  tip-cli --profile work configure idp --provider oidc --config ./work.json`,
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
	return cmd
}

func idpRun(_ context.Context, opts *IdPOptions) error {
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
	if err := p.Validate(); err != nil {
		return &cmdutil.FlagError{Err: fmt.Errorf("invalid configuration: %w", err)}
	}
	return saveProfile(opts.F, p)
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
	if opts.Provider != "" {
		cur.Provider = opts.Provider
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "Configuring tip-cli profile %q (Enter keeps the value in brackets)\n", f.ProfileName)
	p, err := promptProfile(&prompter{in: bufio.NewReader(f.IOStreams.In), out: f.IOStreams.ErrOut}, cur)
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	return saveProfile(f, p)
}

// saveProfile loads the config (refusing to overwrite a corrupt one),
// replaces the selected profile and writes atomically.
func saveProfile(f *cmdutil.Factory, p *config.Profile) error {
	dir, err := f.ConfigDir()
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	cfg.Profiles[f.ProfileName] = p
	if err := config.Save(dir, cfg); err != nil {
		return err
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "✓ Saved profile %s (%s, %s)\n", f.ProfileName, p.Provider, p.Issuer())
	return nil
}

func readJSONOrFile(arg string) ([]byte, error) {
	trimmed := strings.TrimSpace(arg)
	if strings.HasPrefix(trimmed, "{") {
		return []byte(trimmed), nil
	}
	data, err := os.ReadFile(strings.TrimPrefix(arg, "file://"))
	if err != nil {
		return nil, cmdutil.FlagErrorf("--config is neither JSON nor a readable file: %v", err)
	}
	return data, nil
}
