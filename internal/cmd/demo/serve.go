package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/loopback"
	"github.com/tip-cli/tip-cli/internal/sandbox"
)

// ServeOptions are the options of `tip-cli demo serve`.
type ServeOptions struct {
	F           *cmdutil.Factory
	OutDir      string
	IdPAddr     string
	AWSAddr     string
	RedirectURI string
	// SessionLifetime shortens the sandbox's identity-enhanced, S3 Access
	// Grants and federation-role sessions (refresh tests and benchmarks).
	SessionLifetime time.Duration
	// TIPMode picks the written profile's mode (and gives the sandbox's
	// IAM OIDC provider a context provider for iam-federation).
	TIPMode string
	// AWSLatency delays every answer of the chain's AWS calls (benchmarks
	// model a real endpoint's round trip with it).
	AWSLatency time.Duration
}

func newCmdServe(f *cmdutil.Factory) *cobra.Command {
	opts := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Keep the sandbox running for end-to-end runs (AWS CLI, SDKs)",
		Long: `Start the sandbox IdP and AWS emulation and keep them running until
interrupted. Writes into --out:

  profile.json  a profile for "tip-cli configure idp --config profile.json"
  env           AWS_ENDPOINT_URL / AWS_REGION exports pointing at the sandbox

The sandbox user signs in without a page, so any HTTP client that follows
redirects can act as the browser (BROWSER="curl -fsSL -o /dev/null").`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.OutDir == "" {
				return cmdutil.FlagErrorf("--out is required")
			}
			if err := validateMode(opts.TIPMode); err != nil {
				return err
			}
			return serveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.OutDir, "out", "", "directory to write profile.json and env into")
	cmd.Flags().StringVar(&opts.IdPAddr, "idp-addr", "127.0.0.1:0", "loopback address of the sandbox IdP")
	cmd.Flags().StringVar(&opts.AWSAddr, "aws-addr", "127.0.0.1:0", "loopback address of the AWS emulation")
	cmd.Flags().DurationVar(&opts.SessionLifetime, "session-lifetime", 0, "lifetime of identity-enhanced, S3 Access Grants and federation-role sessions (default: as requested, 1h)")
	addModeFlag(cmd, &opts.TIPMode)
	cmd.Flags().DurationVar(&opts.AWSLatency, "aws-latency", 0, "delay each STS and SSO OIDC answer by this much (models a real endpoint's round trip)")
	cmd.Flags().StringVar(&opts.RedirectURI, "redirect-uri", "", "redirect URI for the written profile (default "+config.DefaultRedirectURI+")")
	return cmd
}

func serveRun(ctx context.Context, opts *ServeOptions) error {
	for _, a := range []string{opts.IdPAddr, opts.AWSAddr} {
		if host, _, err := net.SplitHostPort(a); err != nil || !loopback.IsHost(host) {
			return cmdutil.FlagErrorf("address %q must be a loopback host:port", a)
		}
	}
	env, err := sandboxFor(opts.TIPMode, sandbox.EnvOptions{IdPAddr: opts.IdPAddr, AWSAddr: opts.AWSAddr, SessionLifetime: opts.SessionLifetime})
	if err != nil {
		return err
	}
	defer env.Close()
	for _, op := range []string{"AssumeRoleWithWebIdentity", "CreateTokenWithIAM", "AssumeRole"} {
		env.AWS.SetDelay(op, opts.AWSLatency)
	}
	prof, err := json.MarshalIndent(profileFor(env, opts.TIPMode, opts.RedirectURI), "", "  ")
	if err != nil {
		return err
	}
	if err := config.WriteFileAtomic(filepath.Join(opts.OutDir, "profile.json"), append(prof, '\n')); err != nil {
		return err
	}
	var envFile strings.Builder
	for _, kv := range env.Environ() {
		fmt.Fprintf(&envFile, "export %s\n", kv)
	}
	if err := config.WriteFileAtomic(filepath.Join(opts.OutDir, "env"), []byte(envFile.String())); err != nil {
		return err
	}
	fmt.Fprintf(opts.F.IOStreams.ErrOut, "sandbox ready: IdP %s, AWS %s (Ctrl-C to stop)\n", env.IdP.Issuer(), env.AWS.URL())
	<-ctx.Done()
	return nil
}
