// Package console implements `tip-cli console`: open the AWS Management
// Console signed in with the profile's session.
package console

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/console"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/session"
)

// Options are the options of `tip-cli console`.
type Options struct {
	F           *cmdutil.Factory
	Destination string
	Print       bool
	Duration    time.Duration
	RoleARN     string
	Endpoint    string
	Policies    cmdutil.PolicyFlags
	SignIn      cmdutil.SignInOptions
}

// NewCmdConsole returns `tip-cli console`.
func NewCmdConsole(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "console",
		Short: "Open the AWS console signed in with your session",
		Long: `Sign in to the AWS Management Console through the federation endpoint
(getSigninToken, then the login URL) with the profile's session.

identity-center mode: the identity-enhanced session, or with --role-arn a
plain role assumed by the OIDC role session (for when the console refuses
identity-enhanced sessions); --duration (15m-1h) sets that role's session.

iam-federation mode: the federated session itself, which carries you; with
--role-arn another role trusted through the same TIP-enabled IAM OIDC
provider, assumed with your web identity (so it carries you too); --duration
(15m-12h) asks the federation endpoint for a console session that long.

--print writes the URL to stdout instead of opening a browser; it contains a
sign-in token valid for 15 minutes, so treat it as a secret.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Policies.Validate(); err != nil {
				return &cmdutil.FlagError{Err: err}
			}
			if opts.Destination != "" {
				if err := console.ValidateDestination(opts.Destination); err != nil {
					return cmdutil.FlagErrorf("--destination: %w", err)
				}
			}
			if opts.RoleARN != "" {
				if err := config.ValidateRoleARN(opts.RoleARN); err != nil {
					return cmdutil.FlagErrorf("--role-arn: %v", err)
				}
			}
			if opts.Duration != 0 && (opts.Duration < 15*time.Minute || opts.Duration > 12*time.Hour) {
				return cmdutil.FlagErrorf("--duration must be 15m-1h (identity-center mode, with --role-arn) or 15m-12h (iam-federation mode)")
			}
			if opts.Endpoint == "" {
				opts.Endpoint = f.Getenv("TIP_CLI_FEDERATION_ENDPOINT")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Destination, "destination", "", "https console URL to open, under aws.amazon.com, amazonaws-us-gov.com or amazonaws.cn (default: the console home of the profile's partition)")
	cmd.Flags().BoolVar(&opts.Print, "print", false, "print the sign-in URL on stdout instead of opening a browser")
	cmd.Flags().DurationVar(&opts.Duration, "duration", 0, "session length: with --role-arn in identity-center mode (15m-1h), the console session in iam-federation mode (15m-12h)")
	cmd.Flags().StringVar(&opts.RoleARN, "role-arn", "", "sign in with this role instead (identity-center: assumed by the OIDC role session, no identity context; iam-federation: assumed with your web identity, carrying you)")
	cmd.Flags().StringVar(&opts.Endpoint, "federation-endpoint", "", "federation endpoint URL (env TIP_CLI_FEDERATION_ENDPOINT)")
	_ = cmd.Flags().MarkHidden("federation-endpoint")
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	opts.Policies.Register(cmd)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	h, err := f.Handout(opts.SignIn, &cmdutil.SourceFlags{Policies: opts.Policies}, false)
	if err != nil {
		return err
	}
	federated := h.Profile.TIPMode() == config.TIPModeIAMFederation
	if !federated && opts.Duration != 0 && (opts.RoleARN == "" || opts.Duration > time.Hour) {
		return cmdutil.FlagErrorf("--duration needs --role-arn and must be 15m-1h in identity-center mode (role chaining caps sessions at 1h)")
	}
	if opts.RoleARN != "" {
		h.Use("the role session expires", func(ctx context.Context, m *session.Manager) (*cred.Credentials, error) {
			return plainRole(ctx, opts, h, m)
		})
	}
	creds, err := h.Get(ctx)
	if err != nil {
		return err
	}
	eps := console.PartitionEndpoints(h.Profile.Region)
	if opts.Endpoint != "" {
		eps.Federation = opts.Endpoint
	}
	dest := opts.Destination
	if dest == "" {
		dest = eps.Console
	}
	client := &console.Client{HTTP: f.HTTPClient(), Endpoint: eps.Federation}
	if federated {
		client.SessionDuration = opts.Duration
	}
	url, err := client.SigninURL(ctx, creds, dest)
	var refused *console.RefusedError
	if errors.As(err, &refused) && opts.RoleARN == "" && !federated {
		return fmt.Errorf("%w; the console may not accept identity-enhanced sessions: retry with --role-arn ROLE to sign in with a plain role assumed by the OIDC role session", err)
	}
	if err != nil {
		return err
	}
	if opts.Print {
		_, err := fmt.Fprintln(f.IOStreams.Out, url)
		return err
	}
	fmt.Fprintln(f.IOStreams.ErrOut, "Opening the AWS console in your browser…")
	return f.Browser(ctx, url)
}

// plainRole runs the profile's chain as the console needs it for
// --role-arn (exchange.Chain.ForConsole) with a freshly refreshed ID token,
// scoped like the profile's session would be.
func plainRole(ctx context.Context, opts *Options, h *cmdutil.Handout, m *session.Manager) (*cred.Credentials, error) {
	tokens, err := m.RefreshTokens(ctx)
	if err != nil {
		return nil, err
	}
	chain, err := opts.F.Chain(ctx, h.Profile)
	if err != nil {
		return nil, err
	}
	duration := opts.Duration
	if h.Profile.TIPMode() == config.TIPModeIAMFederation {
		duration = 0 // the console session's length is asked of the federation endpoint
	}
	return chain.ForConsole(opts.RoleARN, duration).Exchange(ctx, tokens.IDToken, h.Scope)
}
