package cmdutil

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/signinflow"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Factory gives commands their dependencies. Every field with I/O is a
// function so that a command pays only for what it uses: the cached
// credential_process path never builds an AWS config or an HTTP client.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// Getenv reads the environment; commands read it only through here.
	Getenv func(string) string
	// Environ is the whole environment (exec passes it to the child).
	Environ func() []string
	Now     func() time.Time
	// Sleep waits d or until ctx ends; nil means a real timer. Tests with a
	// settable clock advance it instead.
	Sleep func(ctx context.Context, d time.Duration) error

	// ProfileName is set from --profile / TIP_CLI_PROFILE by the root command.
	ProfileName string
	// Debug is set from --debug / TIP_CLI_DEBUG=1 by the root command.
	Debug bool

	ConfigDir  func() (string, error)
	Config     func() (*config.File, error)
	Store      func() (store.Store, error)
	HTTPClient func() *http.Client
	// Browser opens url in the user's browser ($BROWSER, else the OS
	// default; on WSL the Windows browser). It is given only the sign-in's
	// one-time start address: other local users can read a process's argv.
	Browser func(ctx context.Context, url string) error
	// SignInHost describes where tip-cli runs, for the auto sign-in flow;
	// nil means nothing is known (a local browser is assumed).
	SignInHost func(ctx context.Context) signinflow.Host
	// PasteInput opens the terminal the paste flow reads from, else (unless
	// terminalOnly) stdin; nil reads IOStreams.In unless terminalOnly.
	// Closing it must end a read in progress where possible.
	PasteInput func(terminalOnly bool) (io.ReadCloser, error)
	// AWSConfig loads the SDK configuration (region, endpoints, HTTP client)
	// with anonymous credentials: tip-cli signs with the credentials it
	// minted, never with ambient ones.
	AWSConfig func(ctx context.Context, region string) (aws.Config, error)
	// Lock takes a profile's cross-process refresh lock.
	Lock func(ctx context.Context, profile string, timeout time.Duration) (func(), error)
	// ChainTrace, when set, narrates the exchange chain (demo, --debug).
	ChainTrace func(step exchange.StepName, detail string, err error)
	// Executable is the path of the running tip-cli (for credential_process lines).
	Executable func() (string, error)
	// ForwardSignals leaves SIGINT/SIGTERM to a foreground child (exec
	// forwards them) until release: meanwhile they neither cancel nor end
	// tip-cli. nil when nothing watches signals (tests).
	ForwardSignals func() (release func())
}

// Profile loads the selected profile's configuration.
func (f *Factory) Profile() (*config.Profile, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return cfg.Profile(f.ProfileName)
}
