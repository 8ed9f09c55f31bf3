// Package exec implements `tip-cli exec`: run a command with
// identity-enhanced (or S3 Access Grants) credentials in its environment.
package exec

import (
	"context"

	"github.com/spf13/cobra"

	s3agcmd "github.com/tip-cli/tip-cli/internal/cmd/s3ag"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/execenv"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Options are the options of `tip-cli exec`.
type Options struct {
	F          *cmdutil.Factory
	S3AG       string
	Permission string
	Policies   cmdutil.PolicyFlags
	SignIn     cmdutil.SignInOptions
	Command    []string
}

// NewCmdExec returns `tip-cli exec`.
func NewCmdExec(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "exec [flags] -- COMMAND [ARGS...]",
		Short: "Run a command with your identity-enhanced credentials in its environment",
		Long: `Run COMMAND with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION and the profile's region set, and AWS_PROFILE and
other ambient credential settings removed. Standard streams and signals pass
through; tip-cli exits with COMMAND's exit status.`,
		Example: `  tip-cli exec -- aws athena list-work-groups
  tip-cli exec --s3ag s3://bucket/team/ --permission READWRITE -- aws s3 ls s3://bucket/team/`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 0 {
				return cmdutil.FlagErrorf("put the command after --: tip-cli exec [flags] -- COMMAND [ARGS...]")
			}
			opts.Command = args
			if err := opts.Policies.Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.S3AG != "" && (opts.Policies.Policy != "" || len(opts.Policies.PolicyARNs) > 0) {
				return cmdutil.FlagErrorf("--s3ag cannot be combined with session policies")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.S3AG, "s3ag", "", "use S3 Access Grants credentials for this S3 URI instead")
	cmd.Flags().StringVar(&opts.Permission, "permission", "READ", "S3 Access Grants permission with --s3ag: READ, WRITE or READWRITE")
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	opts.Policies.Register(cmd)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	p, m, err := f.ProfileManager(opts.SignIn)
	if err != nil {
		return err
	}
	var creds *store.Credentials
	if opts.S3AG != "" {
		gda := s3agcmd.GetDataAccessOptions{Target: opts.S3AG, Permission: opts.Permission, Privilege: "Default"}
		req, err := gda.Request()
		if err != nil {
			return &cmdutil.FlagError{Err: err}
		}
		g, err := s3agcmd.GrantCredentials(ctx, f, p, m, req, false)
		if err != nil {
			return err
		}
		creds = g.Credentials
	} else {
		scope, err := opts.Policies.Scope(p)
		if err != nil {
			return err
		}
		if creds, err = m.Credentials(ctx, scope, false); err != nil {
			return err
		}
	}
	env := execenv.Environ(f.Environ(), creds, p.Region)
	ios := f.IOStreams
	code, err := execenv.Run(ctx, opts.Command[0], opts.Command[1:], env, execenv.Stdio{In: ios.In, Out: ios.Out, Err: ios.ErrOut})
	if err != nil {
		return err
	}
	if code != 0 {
		return &cmdutil.ExitCodeError{Code: code}
	}
	return nil
}
