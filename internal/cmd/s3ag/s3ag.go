// Package s3ag implements `tip-cli s3ag`: S3 Access Grants credentials for
// the signed-in identity (get-data-access), and the local cache of them
// (list-credentials, clear-credentials).
package s3ag

import (
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// NewCmdS3AG returns `tip-cli s3ag` with its subcommands.
func NewCmdS3AG(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "s3ag",
		Short: "S3 Access Grants credentials for your identity",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(
		NewCmdGetDataAccess(f, nil),
		NewCmdListCredentials(f, nil),
		NewCmdClearCredentials(f, nil),
	)
	return cmd
}
