// Package auth implements `tip-cli auth` (interactive sign-in) and its
// subcommands: get-iam-credentials (the credential_process entry point),
// refresh-token, status and logout.
package auth

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmd/configure"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// LoginOptions are the options of `tip-cli auth`.
type LoginOptions struct {
	F      *cmdutil.Factory
	SignIn cmdutil.SignInOptions
}

// NewCmdAuth returns `tip-cli auth` with its subcommands.
func NewCmdAuth(f *cmdutil.Factory) *cobra.Command {
	return newCmdAuth(f, nil)
}

func newCmdAuth(f *cmdutil.Factory, runF func(context.Context, *LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{F: f}
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Sign in with your identity provider",
		Long: `Sign in with your identity provider, then exchange the sign-in for
identity-enhanced AWS credentials so later credential_process calls are served
from the cache.

The flow (--flow, else the sign-in's "flow" setting, else auto):
  browser  OAuth 2.0 authorization code with PKCE on a loopback redirect
           (http://localhost:8090/callback); the browser is started at a
           one-time local address that redirects to the identity provider
  device   the device authorization flow: a code to enter on any machine
  paste    the authorization URL is printed; sign in on any machine, then
           paste the address the browser failed to load back here (the
           loopback listener keeps listening, so a forwarded port works too)
  auto     the browser on a desktop or when $BROWSER is set; over SSH, in a
           container or on Linux without a display the device flow when the
           identity provider offers it, else paste; on WSL the Windows browser`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return loginRun(cmd.Context(), opts)
		},
	}
	addSignInFlags(cmd, &opts.SignIn, false)
	cmd.AddCommand(
		NewCmdGetIAMCredentials(f, nil),
		NewCmdRefreshToken(f, nil),
		NewCmdStatus(f, nil),
		NewCmdLogout(f, nil),
		configure.NewCmdAWSProfile(f, "set-aws-profile", nil),
	)
	return cmd
}

// addSignInFlags registers the flags that control an interactive sign-in.
func addSignInFlags(cmd *cobra.Command, o *cmdutil.SignInOptions, nonInteractive bool) {
	cmd.Flags().BoolVar(&o.NoBrowser, "no-browser", false, "print the sign-in URL on stderr instead of opening a browser")
	cmd.Flags().BoolVar(&o.Device, "device", false, "sign in with the device authorization flow (same as --flow device)")
	cmd.Flags().Var((*flowValue)(&o.Flow), "flow", "sign-in flow: auto, browser, device or paste (default: the sign-in's \"flow\" setting, else auto)")
	_ = cmd.RegisterFlagCompletionFunc("flow", cobra.FixedCompletions(config.Flows(), cobra.ShellCompDirectiveNoFileComp))
	cmd.Flags().DurationVar(&o.Timeout, "timeout", cmdutil.DefaultLoginTimeout, "how long to wait for the sign-in")
	if nonInteractive {
		cmdutil.AddNonInteractiveFlag(cmd, o)
	}
}

func loginRun(ctx context.Context, opts *LoginOptions) error {
	f := opts.F
	_, m, err := f.ProfileManager(opts.SignIn)
	if err != nil {
		return err
	}
	tokens, creds, err := m.SignInAndExchange(ctx)
	errOut := f.IOStreams.ErrOut
	if tokens != nil {
		who := tokens.Email
		if who == "" {
			who = tokens.Subject
		}
		who = iostreams.Visible(who) // the IdP's claim: never raw on a terminal
		if m.SignInKey != "" {
			fmt.Fprintf(errOut, "✓ Signed in as %s (shared sign-in of profiles %s)\n", who, strings.Join(m.SharedWith, ", "))
		} else {
			fmt.Fprintf(errOut, "✓ Signed in as %s (profile %s)\n", who, f.ProfileName)
		}
		if tokens.RefreshToken == "" {
			fmt.Fprintf(errOut, "! The identity provider issued no refresh token: you will have to sign in again when the ID token expires (%s).\n  Allow refresh tokens for the app; for strict OIDC providers also set \"prompt\": \"consent\" in the profile.\n", tokens.Expiry.Local().Format(time.Kitchen))
		}
	}
	if err != nil {
		return err
	}
	kind := "Identity-enhanced session"
	if o := creds.Origin; o != nil {
		kind = fmt.Sprintf("Session carrying %s %s (IAM federation)", iostreams.Visible(o.SubjectType), iostreams.Visible(o.Subject))
	}
	fmt.Fprintf(errOut, "✓ %s %s, valid until %s\n", kind, creds.AssumedRoleARN, creds.Expiration.Local().Format(time.RFC1123))
	return nil
}

// flowValue is --flow: one of config.Flows, checked when parsed.
type flowValue string

func (v *flowValue) String() string { return string(*v) }
func (v *flowValue) Type() string   { return "flow" }
func (v *flowValue) Set(s string) error {
	if s == "" {
		return fmt.Errorf("must be one of %s", strings.Join(config.Flows(), ", "))
	}
	if err := config.ValidateFlow(s); err != nil {
		return err
	}
	*v = flowValue(s)
	return nil
}
