// Package exec implements `tip-cli exec`: run a command with
// identity-enhanced (or S3 Access Grants) credentials in its environment,
// as static keys or, with --server, from a local credential endpoint the
// command's SDK refreshes from by itself.
package exec

import (
	"context"
	"errors"
	"log/slog"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/execenv"
)

// Options are the options of `tip-cli exec`.
type Options struct {
	F       *cmdutil.Factory
	Source  cmdutil.SourceFlags
	Server  bool
	SignIn  cmdutil.SignInOptions
	Command []string
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
through; tip-cli exits with COMMAND's exit status.

With --server, COMMAND gets no static keys: a credential endpoint on a random
loopback port runs for COMMAND's lifetime and COMMAND gets
AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN,
which every AWS SDK and the AWS CLI read. They fetch again before expiry, so
COMMAND may run for longer than the one-hour limit of an identity-enhanced
session.`,
		Example: `  tip-cli exec -- aws athena list-work-groups
  tip-cli exec --s3ag s3://bucket/team/ --permission READWRITE -- aws s3 ls s3://bucket/team/
  tip-cli exec --server -- jupyter lab`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 0 {
				return cmdutil.FlagErrorf("put the command after --: tip-cli exec [flags] -- COMMAND [ARGS...]")
			}
			opts.Command = args
			if err := opts.Source.Validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	opts.Source.Register(cmd)
	cmd.Flags().BoolVar(&opts.Server, "server", false, "serve refreshing credentials to COMMAND from a loopback endpoint instead of static keys")
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	opts.SignIn.StdinForChild = true // the child reads stdin, not a paste reader
	if opts.Server {
		return runServer(ctx, opts)
	}
	f := opts.F
	h, err := f.Handout(opts.SignIn, &opts.Source, false)
	if err != nil {
		return err
	}
	creds, err := h.Get(ctx)
	if err != nil {
		return err
	}
	return runChild(ctx, opts, execenv.Environ(f.Environ(), creds, h.Profile.Region))
}

// runServer runs COMMAND with a credential server for its lifetime. The
// request log goes to stderr with --debug only: COMMAND's stderr is the
// user's.
func runServer(ctx context.Context, opts *Options) error {
	f := opts.F
	p, cfg, err := f.CredentialServer(ctx, &opts.Source, opts.SignIn, f.Logger().With(slog.String("component", "credential-server")))
	if err != nil {
		return err
	}
	ln, err := credserver.Listen("127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	served := make(chan error, 1)
	go func() { served <- credserver.Serve(sctx, ln, cfg) }()
	err = runChild(ctx, opts, execenv.ServerEnviron(f.Environ(), credserver.URL(ln), cfg.Token, p.Region))
	stop()
	return errors.Join(err, <-served)
}

func runChild(ctx context.Context, opts *Options, env []string) error {
	ios := opts.F.IOStreams
	if fwd := opts.F.ForwardSignals; fwd != nil {
		defer fwd()() // a second Ctrl-C is the child's, not an exit
	}
	code, err := execenv.Run(ctx, opts.Command[0], opts.Command[1:], env, execenv.Stdio{In: ios.In, Out: ios.Out, Err: ios.ErrOut})
	if err != nil {
		return err
	}
	if code != 0 {
		return &cmdutil.ExitCodeError{Code: code}
	}
	return nil
}
