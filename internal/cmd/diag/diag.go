// Package diag is `tip-cli diag`: it gathers the profile, the ID token and
// the AWS clients, runs internal/diag's checks and renders the report as
// text or JSON on stdout.
package diag

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/diag"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/store"
)

// DiagOptions are the options of `diag`.
type DiagOptions struct {
	F              *cmdutil.Factory
	JWT            string
	ApplicationARN string
	Output         string
	NoLive         bool
	// FetchTokenIssuer lets diag fetch discovery and keys from the -j
	// token's own iss when there is no profile (off: the token is unverified).
	FetchTokenIssuer bool
	// AdminConfig loads the AWS configuration that signs the Identity
	// Center reads: region and endpoints as the Factory loads them, with
	// the user's own (administrator) credentials rather than tip-cli's.
	AdminConfig func(ctx context.Context, region string) (aws.Config, error)
}

// NewCmdDiag returns `diag`.
func NewCmdDiag(f *cmdutil.Factory, runF func(context.Context, *DiagOptions) error) *cobra.Command {
	opts := &DiagOptions{F: f}
	cmd := &cobra.Command{
		Use:   "diag",
		Short: "Find what is misconfigured, from the IdP to the identity-enhanced session",
		Long: `Checks the profile, the identity provider, the ID token (claims and
signature), the IAM Identity Center application, its trusted token issuer,
the identity store user, assignments and access scopes, then runs the
exchange chain live one step at a time (skip with --no-live).

Without -j the signed-in profile's ID token is used. A -j token is treated
as hostile: it is checked against the profile's issuer, and without a
profile its own iss is contacted only with --fetch-token-issuer; text taken
from it is shown with control characters escaped. Reading the Identity
Center configuration needs AWS credentials of your own (AWS_PROFILE or the
usual environment variables) allowed the sso:Describe*/Get*/List* and
identitystore:GetUserId/DescribeUser actions; a check that lacks a
permission is reported as "could not check".`,
		Example: `  tip-cli diag
  tip-cli diag -j "$ID_TOKEN" -a arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888
  tip-cli diag --output json --no-live`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return diagRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.JWT, "jwt", "j", "", "IdP ID token to diagnose (default: the signed-in profile's)")
	cmd.Flags().StringVarP(&opts.ApplicationARN, "application-arn", "a", "", "Identity Center application ARN (default: the profile's)")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	cmd.Flags().BoolVar(&opts.NoLive, "no-live", false, "do not run the exchange chain live")
	cmd.Flags().BoolVar(&opts.FetchTokenIssuer, "fetch-token-issuer", false,
		"without a profile, fetch the discovery document and keys from the -j token's own iss (the token is unverified)")
	opts.AdminConfig = func(ctx context.Context, region string) (aws.Config, error) { return adminConfig(ctx, f, region) }
	return cmd
}

// validate turns bad flags into usage errors before anything runs.
func (o *DiagOptions) validate() error {
	if err := cmdutil.ValidateOutput(o.Output); err != nil {
		return err
	}
	if o.JWT != "" {
		if _, err := diag.DecodeJWT(o.JWT); err != nil {
			return cmdutil.FlagErrorf("-j is not a JWT: %w", err)
		}
	}
	if o.ApplicationARN != "" {
		if err := config.ValidateApplicationARN(o.ApplicationARN); err != nil {
			return cmdutil.FlagErrorf("-a: %w", err)
		}
	}
	return nil
}

func diagRun(ctx context.Context, opts *DiagOptions) error {
	f := opts.F
	p, perr := f.Profile()
	if perr != nil {
		p = nil
	}
	tok, bundle := loadToken(ctx, f, opts, p)
	do := diag.Options{Profile: p, ProfileErr: perr, Token: tok, FetchTokenIssuer: opts.FetchTokenIssuer, HTTPClient: f.HTTPClient(), Now: f.Now}
	do.ApplicationARN = opts.ApplicationARN
	if do.ApplicationARN == "" && p != nil {
		do.ApplicationARN = p.TokenExchangeApplicationARN
	}
	region := ""
	if p != nil {
		region = p.Region
	}
	if p != nil && p.TIPMode() == config.TIPModeIAMFederation {
		cfg, err := opts.AdminConfig(ctx, region)
		if err != nil {
			do.FederationErr = err
		} else {
			do.Federation = &diag.Federation{IAM: iam.NewFromConfig(cfg)}
		}
	} else if do.ApplicationARN != "" {
		cfg, err := opts.AdminConfig(ctx, region)
		if err != nil {
			do.IdentityCenterErr = err
		} else {
			do.IdentityCenter = &diag.IdentityCenter{SSOAdmin: ssoadmin.NewFromConfig(cfg), IdentityStore: identitystore.NewFromConfig(cfg)}
		}
	}
	do.Live, do.LiveSkip = liveCheck(ctx, f, opts, p, bundle)
	report := diag.Run(ctx, do)
	if err := render(f.IOStreams.Out, opts.Output, report); err != nil {
		return err
	}
	if report.Failed() {
		return cmdutil.ErrSilent
	}
	return nil
}

// loadToken returns the token to diagnose: -j, else the profile's stored
// ID token. The stored bundle is returned for the live check.
func loadToken(ctx context.Context, f *cmdutil.Factory, opts *DiagOptions, p *config.Profile) (diag.Token, *store.Bundle) {
	var b *store.Bundle
	var readErr error
	if p != nil {
		st, err := f.Store()
		if err == nil {
			b, err = cmdutil.ReadBundle(ctx, st, f.ProfileName, p) // with a shared sign-in's tokens
		}
		readErr = err
	}
	if opts.JWT != "" {
		t, err := diag.DecodeJWT(opts.JWT) // validated already
		if err != nil {
			return diag.Token{Missing: err.Error()}, b
		}
		return diag.Token{JWT: t}, b
	}
	switch {
	case p == nil:
		return diag.Token{Missing: "no profile and no -j token"}, b
	case readErr != nil:
		return diag.Token{Missing: fmt.Sprintf("read the stored sign-in: %v", readErr)}, b
	case b == nil || b.IdP == nil || b.IdP.IDToken == "":
		return diag.Token{Missing: "not signed in"}, b
	}
	t, err := diag.DecodeJWT(b.IdP.IDToken)
	if err != nil {
		return diag.Token{Missing: "the stored ID token does not decode: " + err.Error()}, b
	}
	return diag.Token{JWT: t, FromStore: true, Refreshable: b.IdP.RefreshToken != ""}, b
}

// liveCheck prepares the live chain when the profile is signed in: a
// refresh token (refreshed non-interactively) or an unexpired ID token.
func liveCheck(ctx context.Context, f *cmdutil.Factory, opts *DiagOptions, p *config.Profile, b *store.Bundle) (*diag.Live, string) {
	switch {
	case opts.NoLive:
		return nil, "--no-live"
	case p == nil:
		return nil, "needs a profile (its roles)"
	case p.Validate() != nil:
		return nil, "needs a valid profile"
	case b == nil || b.IdP == nil:
		return nil, "not signed in: run `tip-cli auth` to include the live check"
	}
	var fresh func(ctx context.Context) (string, error)
	switch {
	case b.IdP.RefreshToken != "":
		fresh = func(ctx context.Context) (string, error) {
			m, err := f.Manager(p, cmdutil.SignInOptions{NonInteractive: true})
			if err != nil {
				return "", err
			}
			t, err := m.RefreshTokens(ctx)
			if err != nil {
				return "", err
			}
			return t.IDToken, nil
		}
	case !exchange.PathFor(p.TIPMode()).SingleUse() && b.IdP.Expiry.After(f.Now()):
		// No step of this path is single-use: the stored token may be
		// presented again while it is valid.
		fresh = func(context.Context) (string, error) { return b.IdP.IDToken, nil }
	default:
		// The stored ID token was presented when it was saved (the
		// assertion ledger), and Identity Center accepts each once.
		return nil, "the stored sign-in cannot be refreshed and its ID token was already exchanged: run `tip-cli auth`, or diagnose a new token with -j"
	}
	chain, err := f.Chain(ctx, p)
	if err != nil {
		return nil, "could not load the AWS configuration: " + err.Error()
	}
	return &diag.Live{Chain: chain, FreshIDToken: fresh, Scope: exchange.Scope{Policy: p.SessionPolicy, PolicyARNs: p.SessionPolicyARNs}}, ""
}

// adminConfig is the Factory's AWS configuration (region, endpoints, HTTP
// client) signed by the user's own credentials: AWS_ACCESS_KEY_ID & co.
// when set, else the SDK's default chain (AWS_PROFILE, SSO, IMDS…).
func adminConfig(ctx context.Context, f *cmdutil.Factory, region string) (aws.Config, error) {
	cfg, err := f.AWSConfig(ctx, region)
	if err != nil {
		return aws.Config{}, err
	}
	if id := f.Getenv("AWS_ACCESS_KEY_ID"); id != "" {
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, f.Getenv("AWS_SECRET_ACCESS_KEY"), f.Getenv("AWS_SESSION_TOKEN")))
		return cfg, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	amb, err := awsconfig.LoadDefaultConfig(ctx, awsconfig.WithRegion(cfg.Region), awsconfig.WithHTTPClient(f.HTTPClient()))
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS credentials: %w", err)
	}
	cfg.Credentials = amb.Credentials
	return cfg, nil
}
