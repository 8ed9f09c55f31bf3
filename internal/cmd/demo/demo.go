// Package demo implements `tip-cli demo`: the whole real sign-in and
// exchange flow against the loopback sandbox, in a temporary home, and
// `tip-cli demo serve`, which keeps the sandbox running for end-to-end
// runs with the AWS CLI.
package demo

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/loopback"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Options are the options of `tip-cli demo`.
type Options struct {
	F       *cmdutil.Factory
	TIPMode string
}

// NewCmdDemo returns `tip-cli demo`.
func NewCmdDemo(f *cmdutil.Factory) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole flow against a local sandbox (no AWS account needed)",
		Long: `Start a loopback OIDC provider and an emulation of STS, SSO OIDC and S3
Control, sign in as the sandbox user (simulated, no browser), run the exchange
chain, and print the credential_process JSON on stdout. Each step is shown on
stderr. Nothing outside a temporary directory is touched.

--tip-mode iam-federation runs TIP for IAM federation instead: the sandbox's
IAM OIDC provider gets a context provider and the exchange is one
AssumeRoleWithWebIdentity whose session carries the sandbox user.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := validateMode(opts.TIPMode); err != nil {
				return err
			}
			return run(cmd.Context(), opts)
		},
	}
	addModeFlag(cmd, &opts.TIPMode)
	cmd.AddCommand(newCmdServe(f))
	return cmd
}

func addModeFlag(cmd *cobra.Command, mode *string) {
	cmd.Flags().StringVar(mode, "tip-mode", config.TIPModeIdentityCenter, "TIP path to run: "+strings.Join(config.TIPModes, " or "))
}

func validateMode(mode string) error {
	if mode != config.TIPModeIdentityCenter && mode != config.TIPModeIAMFederation {
		return cmdutil.FlagErrorf("--tip-mode %q must be %s", mode, strings.Join(config.TIPModes, " or "))
	}
	return nil
}

// sandboxFor starts the sandbox for mode: with iam-federation, the IdP's
// IAM OIDC provider names the person by email.
func sandboxFor(mode string, o sandbox.EnvOptions) (*sandbox.Env, error) {
	if mode == config.TIPModeIAMFederation {
		o.ContextProvider = sandbox.ContextProviderEmail()
	}
	return sandbox.Start(o)
}

// profileFor is the sandbox profile of mode.
func profileFor(env *sandbox.Env, mode, redirect string) *config.Profile {
	if mode == config.TIPModeIAMFederation {
		return env.FederationProfile(redirect, 0)
	}
	return env.Profile(redirect)
}

func run(ctx context.Context, opts *Options) error {
	errOut := opts.F.IOStreams.ErrOut
	env, err := sandboxFor(opts.TIPMode, sandbox.EnvOptions{})
	if err != nil {
		return err
	}
	defer env.Close()
	fmt.Fprintf(errOut, "① Sandbox IdP at %s, AWS emulation at %s\n", env.IdP.Issuer(), env.AWS.URL())

	home, err := os.MkdirTemp("", "tip-cli-demo-")
	if err != nil {
		return fmt.Errorf("create demo home: %w", err)
	}
	defer os.RemoveAll(home)
	redirect, err := freeRedirectURI()
	if err != nil {
		return err
	}
	prof := profileFor(env, opts.TIPMode, redirect)
	if err := config.Save(home, &config.File{Profiles: map[string]*config.Profile{"demo": prof}}); err != nil {
		return err
	}
	fmt.Fprintf(errOut, "② Configured profile \"demo\" (%s) in %s\n", prof.TIPMode(), home)

	f := sandboxFactory(opts.F, env, home)
	// The simulated browser is the demo's: never the device or paste flow
	// that auto would pick on an SSH host.
	m, err := f.Manager(prof, cmdutil.SignInOptions{Timeout: time.Minute, Flow: config.FlowBrowser})
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "③ Signing in with authorization code + PKCE (simulated browser) on %s\n", redirect)
	tokens, _, err := m.SignInAndExchange(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "   ✓ signed in as %s; ID token verified\n", tokens.Email)

	creds, err := m.Credentials(ctx, exchange.Scope{}, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(errOut, "④ Served from the cache (%s store), valid until %s\n", f.storeName(), creds.Expiration.Format(time.RFC3339))
	if err := callerIdentity(ctx, env, creds, errOut); err != nil {
		return err
	}
	fmt.Fprintln(errOut, "⑥ credential_process output:")
	return credproc.Write(opts.F.IOStreams.Out, credproc.FormatProcess, creds, credproc.Extra{})
}

// demoFactory is the parent Factory re-pointed at the sandbox and the
// temporary home.
type demoFactory struct {
	*cmdutil.Factory
	st store.Store
}

func (d *demoFactory) storeName() string { return d.st.Name() }

func sandboxFactory(parent *cmdutil.Factory, env *sandbox.Env, home string) *demoFactory {
	f := *parent
	f.ProfileName = "demo"
	f.ConfigDir = func() (string, error) { return home, nil }
	f.Config = sync.OnceValues(func() (*config.File, error) { return config.Load(home) })
	st := store.NewFileStore(home)
	f.Store = func() (store.Store, error) { return st, nil }
	f.Lock = func(ctx context.Context, profile string, timeout time.Duration) (func(), error) {
		return store.Lock(ctx, home, profile, timeout)
	}
	f.HTTPClient = func() *http.Client { return &http.Client{Timeout: 30 * time.Second} }
	f.Browser = func(ctx context.Context, url string) error {
		// The sandbox IdP signs its user in without a page; follow the
		// redirects in the background like a browser tab would.
		go func() { _ = idpemu.FakeBrowser(ctx, nil, url) }()
		return nil
	}
	f.SignInHost, f.PasteInput = nil, nil // the simulated browser is all there is
	f.AWSConfig = func(context.Context, string) (aws.Config, error) { return env.AWSConfig(), nil }
	errOut := parent.IOStreams.ErrOut
	f.ChainTrace = func(step exchange.StepName, detail string, err error) {
		if err != nil {
			fmt.Fprintf(errOut, "   ✗ %s: %v\n", step, err)
			return
		}
		fmt.Fprintf(errOut, "   ✓ %s → %s\n", step, detail)
	}
	return &demoFactory{Factory: &f, st: st}
}

func callerIdentity(ctx context.Context, env *sandbox.Env, c *cred.Credentials, errOut interface{ Write([]byte) (int, error) }) error {
	cfg := env.AWSConfig()
	client := sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		}))
	})
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return fmt.Errorf("check the credentials with GetCallerIdentity: %w", err)
	}
	fmt.Fprintf(errOut, "⑤ GetCallerIdentity with them: %s\n", aws.ToString(out.Arn))
	return nil
}

// freeRedirectURI picks a free loopback port for the demo's redirect URI,
// so the demo never collides with a real sign-in on 8090. The port comes
// from just below the kernel's ephemeral range where that is known: a port
// the kernel picked (listen on :0, close) could be handed to any new
// connection on the machine before the sign-in binds it, and the demo then
// failed with "port in use" by chance. Below the range only programs that
// name a port bind it (tip-cli's test ports sit lower still).
func freeRedirectURI() (string, error) {
	const band = 2000
	if hi := loopback.EphemeralLow(); hi > 1024+band {
		// Spread by pid and by call, so demos running at once try
		// different ports first.
		start := os.Getpid()*7 + int(demoPorts.Add(1))*31
		for i := range band {
			port := hi - band + (start+i)%band
			if l, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
				l.Close()
				return fmt.Sprintf("http://127.0.0.1:%d/callback", port), nil
			}
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free loopback port: %w", err)
	}
	defer l.Close()
	return fmt.Sprintf("http://127.0.0.1:%d/callback", l.Addr().(*net.TCPAddr).Port), nil
}

// demoPorts counts freeRedirectURI's calls in this process.
var demoPorts atomic.Int32
