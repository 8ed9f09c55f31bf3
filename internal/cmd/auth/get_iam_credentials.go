package auth

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/credproc"
)

// GetIAMCredentialsOptions are the options of `auth get-iam-credentials`.
type GetIAMCredentialsOptions struct {
	F        *cmdutil.Factory
	Format   string
	Force    bool
	SignIn   cmdutil.SignInOptions
	Policies cmdutil.PolicyFlags
}

// NewCmdGetIAMCredentials returns `auth get-iam-credentials`.
func NewCmdGetIAMCredentials(f *cmdutil.Factory, runF func(context.Context, *GetIAMCredentialsOptions) error) *cobra.Command {
	opts := &GetIAMCredentialsOptions{F: f}
	cmd := &cobra.Command{
		Use:   "get-iam-credentials",
		Short: "Print identity-enhanced AWS credentials (credential_process)",
		Long: `Print identity-enhanced AWS credentials as credential_process JSON on stdout.

Cached credentials are served while more than the refresh margin (15
minutes) plus 1 minute for clock skew remains; otherwise the IdP token is
refreshed and the exchange chain runs once, however many processes ask at
the same time. Use it in ~/.aws/config:

  [profile tip]
  credential_process = tip-cli auth get-iam-credentials`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := credproc.ValidateFormat(opts.Format); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if err := opts.Policies.Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return getIAMCredentialsRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddCredentialFormatFlag(cmd, &opts.Format)
	cmd.Flags().BoolVar(&opts.Force, "force-refresh", false, "ignore cached credentials and run the exchange again")
	cmd.Flags().DurationVar(&opts.SignIn.Margin, "refresh-margin", 0, "refresh cached credentials with less than this left (default 15m)")
	addSignInFlags(cmd, &opts.SignIn, true)
	opts.Policies.Register(cmd)
	return cmd
}

func getIAMCredentialsRun(ctx context.Context, opts *GetIAMCredentialsOptions) error {
	f := opts.F
	h, err := f.Handout(opts.SignIn, &cmdutil.SourceFlags{Policies: opts.Policies}, opts.Force)
	if err != nil {
		return err
	}
	creds, err := h.Get(ctx)
	if err != nil {
		return err
	}
	return credproc.Write(f.IOStreams.Out, opts.Format, creds, credproc.Extra{})
}
