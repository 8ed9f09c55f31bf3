package cmdutil

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/credproc"
)

// ValidateOutput checks an --output value (outputFormats).
func ValidateOutput(o string) error { return ValidateChoice("output", o, outputFormats()) }

// WriteJSON writes v as indented JSON in one write (stdout is an API).
func WriteJSON(w io.Writer, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode output: %w", err)
	}
	_, err = w.Write(append(data, '\n'))
	return err
}

// AddOutputFlag registers --output/-o (outputFormats), checked by ValidateOutput.
func AddOutputFlag(cmd *cobra.Command, output *string) {
	AddChoiceFlag(cmd, output, "output", "o", "text", "output format", outputFormats())
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
