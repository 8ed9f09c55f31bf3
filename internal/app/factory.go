package app

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/pkg/browser"

	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/signinflow"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/oskeyring"
)

// storeActivity is what the --debug summary reports about the store.
type storeActivity struct {
	store.Stats
	backend string
}

// newFactory builds the production Factory. Constructors are lazy and
// memoised so the cached credential path touches only the config file and
// the store. storeStats reports the store's counts, and false when the
// command never opened a store.
func newFactory(ios *iostreams.IOStreams) (f *cmdutil.Factory, storeStats func() (storeActivity, bool)) {
	var opened store.Store // set once the lazy Store constructor ran
	f = &cmdutil.Factory{
		IOStreams:  ios,
		Getenv:     os.Getenv,
		Environ:    os.Environ,
		Now:        time.Now,
		Executable: os.Executable,
	}
	f.ConfigDir = func() (string, error) { return config.Dir(f.Getenv) }
	f.Config = sync.OnceValues(func() (*config.File, error) {
		dir, err := f.ConfigDir()
		if err != nil {
			return nil, err
		}
		return config.Load(dir)
	})
	f.Store = sync.OnceValues(func() (store.Store, error) {
		dir, err := f.ConfigDir()
		if err != nil {
			return nil, err
		}
		st, err := store.Open(store.OpenOptions{
			Dir:     dir,
			Backend: f.Getenv("TIP_CLI_STORE"),
			Getenv:  f.Getenv,
			GOOS:    runtime.GOOS,
			Warn:    ios.ErrOut,
			Keyring: oskeyring.New(),
			Cache:   store.KernelKeyCache(),
		})
		opened = st
		return st, err
	})
	f.HTTPClient = sync.OnceValue(func() *http.Client {
		return &http.Client{Timeout: 60 * time.Second}
	})
	f.Lock = func(ctx context.Context, profile string, timeout time.Duration) (func(), error) {
		dir, err := f.ConfigDir()
		if err != nil {
			return nil, err
		}
		return store.Lock(ctx, dir, profile, timeout)
	}
	f.Browser = func(ctx context.Context, url string) error {
		env := hostEnv(ctx, f.Getenv)
		env.WSLConfig = nil // only "is this WSL" matters here
		if f.Getenv("BROWSER") == "" && signinflow.Detect(env).WSL {
			return openWindowsBrowser(url, ios)
		}
		return openBrowser(ctx, f.Getenv("BROWSER"), url, ios)
	}
	f.SignInHost = func(ctx context.Context) signinflow.Host { return signinflow.Detect(hostEnv(ctx, f.Getenv)) }
	f.PasteInput = func(terminalOnly bool) (io.ReadCloser, error) { return pasteInput(ios, terminalOnly) }
	f.AWSConfig = func(ctx context.Context, region string) (aws.Config, error) {
		if err := checkSharedFiles(f.Getenv); err != nil {
			return aws.Config{}, err
		}
		return loadAWSConfig(ctx, region)
	}
	return f, func() (storeActivity, bool) {
		if opened == nil {
			return storeActivity{}, false
		}
		a := storeActivity{backend: opened.Name()}
		if s, ok := opened.(interface{ Stats() store.Stats }); ok {
			a.Stats = s.Stats()
		}
		return a, true
	}
}

// loadAWSConfig loads region and endpoint settings the SDK's usual way
// (environment, shared config, AWS_ENDPOINT_URL*) but with anonymous
// credentials: ambient credentials never sign a tip-cli call.
func loadAWSConfig(ctx context.Context, region string) (aws.Config, error) {
	return cmdbase.LoadAWSConfig(ctx, region, `set "region" in the tip-cli profile or AWS_REGION`,
		awshttp.NewBuildableClient().WithTimeout(60*time.Second),
		awsconfig.WithCredentialsProvider(aws.AnonymousCredentials{}))
}

// openBrowser runs $BROWSER URL when BROWSER is set (a %s in it is replaced
// by the URL), else the OS default browser. The browser's own output never
// reaches stdout, which may be carrying credentials.
func openBrowser(ctx context.Context, browserEnv, url string, ios *iostreams.IOStreams) error {
	if strings.TrimSpace(browserEnv) == "" {
		// pkg/browser writes the launcher's output to its package-level
		// Stdout, which defaults to os.Stdout.
		browser.Stdout = ios.ErrOut
		return browser.OpenURL(url)
	}
	args := strings.Fields(browserEnv)
	substituted := false
	for i, a := range args {
		if strings.Contains(a, "%s") {
			args[i] = strings.ReplaceAll(a, "%s", url)
			substituted = true
		}
	}
	if !substituted {
		args = append(args, url)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout = nil // discarded
	cmd.Stderr = ios.ErrOut
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start $BROWSER: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reap; the sign-in does not wait for the browser to exit
	return nil
}
