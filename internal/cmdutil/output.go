package cmdutil

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
)

// ValidateOutput checks an --output value (OutputFormats).
func ValidateOutput(o string) error { return ValidateChoice("output", o, OutputFormats()) }

// WriteJSON writes v as indented JSON in one write (stdout is an API).
func WriteJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// ValidProfile loads the selected profile and checks it before any
// network call.
func (f *Factory) ValidProfile() (*config.Profile, error) {
	p, err := f.Profile()
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("profile %q is invalid: %w", f.ProfileName, err)
	}
	return p, nil
}

// ProfileManager loads and checks the selected profile and wires its
// session manager: the start of every credential command.
func (f *Factory) ProfileManager(o SignInOptions) (*config.Profile, *session.Manager, error) {
	p, err := f.ValidProfile()
	if err != nil {
		return nil, nil, err
	}
	m, err := f.Manager(p, o)
	if err != nil {
		return nil, nil, err
	}
	return p, m, nil
}

// DeleteSecrets removes a profile's secrets from the store in use and from
// the file store: a forced or fallen-back backend clears only itself, and
// files may hold an older copy from a time without a keyring. It returns
// the name of the store in use.
func (f *Factory) DeleteSecrets(ctx context.Context, profile string) (string, error) {
	st, err := f.Store()
	if err != nil {
		return "", err
	}
	dir, err := f.ConfigDir()
	if err != nil {
		return "", err
	}
	for _, s := range []store.Store{st, store.NewFileStore(dir)} {
		if err := s.Delete(ctx, profile); err != nil {
			return "", fmt.Errorf("remove secrets of profile %q: %w", profile, err)
		}
	}
	return st.Name(), nil
}

// AddOutputFlag registers --output/-o (OutputFormats), checked by ValidateOutput.
func AddOutputFlag(cmd *cobra.Command, output *string) {
	AddChoiceFlag(cmd, output, "output", "o", "text", "output format", OutputFormats())
}

// AddCredentialFormatFlag registers --format (credproc.Formats) for the
// commands whose stdout is credentials; credproc.ValidateFormat checks it.
func AddCredentialFormatFlag(cmd *cobra.Command, format *string) {
	AddChoiceFlag(cmd, format, "format", "", credproc.FormatProcess, "output format", credproc.Formats)
}

// AddNonInteractiveFlag registers --non-interactive for commands that may
// need a sign-in.
func AddNonInteractiveFlag(cmd *cobra.Command, o *SignInOptions) {
	cmd.Flags().BoolVar(&o.NonInteractive, "non-interactive", false, "fail instead of starting a sign-in when none is cached")
}
