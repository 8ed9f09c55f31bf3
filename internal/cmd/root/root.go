// Package root assembles tip-cli's command tree.
package root

import (
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/cmd/configure"
	consolecmd "github.com/tip-cli/tip-cli/internal/cmd/console"
	"github.com/tip-cli/tip-cli/internal/cmd/demo"
	"github.com/tip-cli/tip-cli/internal/cmd/diag"
	execcmd "github.com/tip-cli/tip-cli/internal/cmd/exec"
	"github.com/tip-cli/tip-cli/internal/cmd/s3ag"
	"github.com/tip-cli/tip-cli/internal/cmd/serve"
	"github.com/tip-cli/tip-cli/internal/cmd/version"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

// BuildInfo is stamped into the binary at build time.
type BuildInfo = version.Info

// NewCmdRoot returns the root command. Cobra's own error and usage printing
// is silenced: app.Main reports every error in one place.
func NewCmdRoot(f *cmdutil.Factory, info BuildInfo) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tip-cli <command>",
		Short: "AWS credentials that carry your workforce identity",
		Long: `tip-cli signs you in with your identity provider (Okta, Entra ID, Cognito or
any OIDC provider) and gives the AWS CLI and SDKs identity-enhanced credentials
through IAM Identity Center trusted identity propagation.`,
		SilenceErrors: true,
		SilenceUsage:  true,
		Version:       info.Version,
	}
	profile := f.Getenv("TIP_CLI_PROFILE")
	if profile == "" {
		profile = config.DefaultProfile
	}
	cmd.PersistentFlags().StringVar(&f.ProfileName, "profile", profile, "tip-cli profile to use (env TIP_CLI_PROFILE)")
	cmd.PersistentFlags().BoolVar(&f.Debug, "debug", f.Getenv("TIP_CLI_DEBUG") == "1", "log what tip-cli does on stderr (never tokens or secrets; env TIP_CLI_DEBUG=1)")
	// Every command names a profile: one that would act on the terminal
	// when printed (ESC, newline, C1, bidi overrides) is refused first.
	cmd.PersistentPreRunE = func(*cobra.Command, []string) error {
		if err := config.ValidateProfileName(f.ProfileName); err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		return nil
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	cmd.SetVersionTemplate(version.Format(info) + "\n")

	cmd.AddCommand(
		auth.NewCmdAuth(f),
		configure.NewCmdConfigure(f),
		consolecmd.NewCmdConsole(f, nil),
		demo.NewCmdDemo(f),
		diag.NewCmdDiag(f, nil),
		execcmd.NewCmdExec(f, nil),
		s3ag.NewCmdS3AG(f),
		serve.NewCmdServe(f, nil),
		version.NewCmdVersion(f, info),
	)
	cmdutil.MarkArgErrors(cmd)
	return cmd
}
