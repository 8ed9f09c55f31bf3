// Package version implements `tip-cli version`.
package version

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// Info is stamped into the binary at build time.
type Info = cmdbase.BuildInfo

// Format renders Info on one line.
func Format(i Info) string { return cmdbase.FormatVersion("tip-cli", i) }

// NewCmdVersion returns `tip-cli version`.
func NewCmdVersion(f *cmdutil.Factory, info Info) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Show the tip-cli version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(f.IOStreams.Out, Format(info))
			return err
		},
	}
}
