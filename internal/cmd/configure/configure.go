// Package configure implements `tip-cli configure`: IdP profiles, the
// CloudFormation template for the AWS side, and AWS CLI profiles.
package configure

import (
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// NewCmdConfigure returns `tip-cli configure` with its subcommands. The
// original tool's form `configure --idp okta --config …` is accepted too.
func NewCmdConfigure(f *cmdutil.Factory) *cobra.Command {
	legacy := newIdPOptions(f)
	cmd := &cobra.Command{
		Use:   "configure",
		Short: "Set up profiles, the AWS side and AWS CLI profiles",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if legacy.Provider == "" && legacy.Config == "" {
				return cmd.Help()
			}
			legacy.Profile = f.ProfileName
			return idpRun(cmd.Context(), legacy)
		},
	}
	cmd.Flags().StringVar(&legacy.Provider, "idp", "", "identity provider (same as configure idp --provider)")
	cmd.Flags().StringVar(&legacy.Config, "config", "", "profile configuration as JSON or a path to a JSON file")
	cmd.AddCommand(
		NewCmdIdP(f, nil),
		NewCmdList(f, nil),
		NewCmdShow(f, nil),
		NewCmdDelete(f, nil),
		NewCmdAWSProfile(f, "aws-profile", nil),
		NewCmdGenerateCFN(f, nil),
	)
	return cmd
}
