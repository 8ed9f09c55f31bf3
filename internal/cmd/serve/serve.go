// Package serve implements `tip-cli serve`: a long-running local
// credential endpoint (the container credentials provider's protocol) for
// notebooks, IDEs, containers and other shells.
package serve

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/execenv"
)

// Options are the options of `tip-cli serve`.
type Options struct {
	F         *cmdutil.Factory
	Listen    string
	TokenFile string
	Source    cmdutil.SourceFlags
	SignIn    cmdutil.SignInOptions
	// Profiles (--profiles) or AllProfiles (--all-profiles) run the agent:
	// several profiles, each at /credentials/NAME (agent.go).
	Profiles    []string
	AllProfiles bool
	// ListenSet is whether --listen was given: an agent otherwise reuses
	// its previous address.
	ListenSet bool
}

// NewCmdServe returns `tip-cli serve`.
func NewCmdServe(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{F: f}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve refreshing credentials on a loopback endpoint (container credentials protocol)",
		Long: `Serve your identity-enhanced (or, with --s3ag, S3 Access Grants) credentials
on a loopback HTTP endpoint in the protocol of the AWS container credentials
provider, until interrupted (SIGINT or SIGTERM; exit status 0).

On stdout, once listening: shell exports for the clients
(AWS_CONTAINER_CREDENTIALS_FULL_URI and AWS_CONTAINER_AUTHORIZATION_TOKEN,
or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE with --token-file), then stdout is
closed, so eval "$( (tip-cli serve &) 2>>serve.log)" returns. Every request is
logged on stderr, never a token or key.

Requests need the token, the Host the server listens on (DNS rebinding) and
no browser Origin. Credentials are refreshed in the background before the
SDKs ask again, once however many clients ask.

With --profiles a,b or --all-profiles, one agent serves several profiles,
each at /credentials/NAME with one token. Its address and token stay the
same across restarts and are recorded, 0600, in serve.json and serve.token
in the config directory. The exports name the profile selected with
--profile if it is served, else the first one.`,
		Example: `  tip-cli serve --listen 127.0.0.1:9911 --token-file ~/.config/tip-cli/serve.token
  eval "$( (tip-cli serve &) 2>>/tmp/tip-serve.log)"; aws sts get-caller-identity; kill $TIP_CLI_SERVE_PID
  tip-cli serve --profiles analytics,ml --non-interactive`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.Source.Validate(); err != nil {
				return err
			}
			opts.ListenSet = cmd.Flags().Changed("listen")
			if err := opts.validateAgent(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "127.0.0.1:0", "loopback address to listen on (port 0: a free port)")
	cmd.Flags().StringVar(&opts.TokenFile, "token-file", "", "write the token to this file (0600, removed on exit) and export its path instead")
	cmd.Flags().StringSliceVar(&opts.Profiles, "profiles", nil, "serve these profiles, each at /credentials/NAME (comma-separated)")
	cmd.Flags().BoolVar(&opts.AllProfiles, "all-profiles", false, "serve every configured profile, each at /credentials/NAME")
	opts.Source.Register(cmd)
	cmdutil.AddNonInteractiveFlag(cmd, &opts.SignIn)
	return cmd
}

func run(ctx context.Context, opts *Options) error {
	f := opts.F
	level := slog.LevelInfo
	if f.Debug {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(f.IOStreams.ErrOut, &slog.HandlerOptions{Level: level}))
	if opts.agent() {
		return runAgent(ctx, opts, log)
	}
	// Listen first: a bad or busy address fails before any sign-in.
	ln, err := credserver.Listen(opts.Listen)
	if err != nil {
		return &cmdutil.FlagError{Err: err}
	}
	defer ln.Close()
	p, cfg, err := f.CredentialServer(ctx, &opts.Source, opts.SignIn, log)
	if err != nil {
		return err
	}
	log.Info("serving credentials", "url", credserver.URL(ln), "profile", f.ProfileName, "s3ag", opts.Source.S3AG)
	return serveWithExports(ctx, opts, ln, cfg, credserver.URL(ln), p.Region, log)
}

// serveWithExports writes the --token-file, prints the exports for url and
// closes stdout, then serves until ctx ends.
func serveWithExports(ctx context.Context, opts *Options, ln net.Listener, cfg credserver.Config, url, region string, log *slog.Logger) error {
	f := opts.F
	if opts.TokenFile != "" {
		if err := config.WriteFileAtomic(opts.TokenFile, []byte(cfg.Token)); err != nil {
			return fmt.Errorf("write token file: %w", err)
		}
		defer os.Remove(opts.TokenFile)
	}
	if err := writeExports(f.IOStreams.Out, url, cfg.Token, opts.TokenFile, region, os.Getpid()); err != nil {
		return err
	}
	// Closing stdout ends a $(...) around a backgrounded serve; nothing is
	// written there again.
	if c, ok := f.IOStreams.Out.(io.Closer); ok {
		_ = c.Close()
	}
	if err := credserver.Serve(ctx, ln, cfg); err != nil {
		return err
	}
	log.Info("stopped")
	return nil
}

// writeExports prints, in one write, the shell lines that point a client
// at the server and clear what would take precedence over it.
func writeExports(w io.Writer, url, token, tokenFile, region string, pid int) error {
	var b strings.Builder
	var unset []string
	for _, name := range execenv.RemovedNames() {
		if !strings.HasPrefix(name, "AWS_CONTAINER_") {
			unset = append(unset, name)
		}
	}
	fmt.Fprintf(&b, "unset %s\n", strings.Join(unset, " "))
	fmt.Fprintf(&b, "export AWS_CONTAINER_CREDENTIALS_FULL_URI=%s\n", credproc.ShellQuote(url))
	if tokenFile != "" {
		fmt.Fprintf(&b, "unset AWS_CONTAINER_AUTHORIZATION_TOKEN AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\n")
		fmt.Fprintf(&b, "export AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=%s\n", credproc.ShellQuote(tokenFile))
	} else {
		fmt.Fprintf(&b, "unset AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_CONTAINER_CREDENTIALS_RELATIVE_URI\n")
		fmt.Fprintf(&b, "export AWS_CONTAINER_AUTHORIZATION_TOKEN=%s\n", credproc.ShellQuote(token))
	}
	if region != "" {
		fmt.Fprintf(&b, "export AWS_REGION=%s AWS_DEFAULT_REGION=%s\n", region, region)
	}
	// The pid lets a shell that backgrounded serve stop it: kill $TIP_CLI_SERVE_PID.
	fmt.Fprintf(&b, "export TIP_CLI_SERVE_PID=%d\n", pid)
	_, err := io.WriteString(w, b.String())
	return err
}
