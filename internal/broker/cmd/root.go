// Package cmd assembles tip-broker's command tree: the service modes
// (serve, lambda), the CloudFormation template, and the client commands an
// application runs against a broker.
package cmd

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// Deps are what tip-broker's commands need from the outside world.
type Deps struct {
	IOStreams *iostreams.IOStreams
	Getenv    func(string) string
	Now       func() time.Time
	// AWSConfig loads the SDK configuration with the ambient credentials
	// (environment, shared files, Lambda's role); region may be empty.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
}

// NewCmdRoot returns tip-broker's root command.
func NewCmdRoot(d *Deps, info cmdbase.BuildInfo) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tip-broker <command>",
		Short: "IAM session broker: tenant-scoped AWS credentials for a user's JWT",
		Long: `tip-broker verifies an application's end-user JWT against the application's
JWKS, reads a claim (for example TenantID) and assumes the application's access
role with that claim as a session tag, so one IAM policy using
${aws:PrincipalTag/TenantID} scopes every tenant.

Run it as a Lambda function behind API Gateway (see 'tip-broker template') or as
a standalone HTTPS server ('tip-broker serve'). Applications call it with
'tip-broker register', 'describe', 'deregister' and 'credentials'.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       info.Version,
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdbase.FlagError{Err: err} })
	cmd.SetVersionTemplate(versionLine(info) + "\n")
	cmd.AddCommand(
		newCmdServe(d),
		newCmdLambda(d),
		newCmdTemplate(d),
		&cobra.Command{
			Use:   "version",
			Short: "Show the tip-broker version",
			Args:  cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error {
				_, err := fmt.Fprintln(d.IOStreams.Out, versionLine(info))
				return err
			},
		},
	)
	for _, r := range api.Routes() {
		if c := clientCommand(d, r); c != nil {
			cmd.AddCommand(c)
		}
	}
	cmdbase.MarkArgErrors(cmd)
	return cmd
}

func versionLine(i cmdbase.BuildInfo) string {
	return cmdbase.FormatVersion("tip-broker", i)
}
