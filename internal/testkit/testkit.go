// Package testkit builds command Factories wired to the sandbox for tests:
// a temporary config directory, a file store, the sandbox's AWS endpoint
// and a fake browser that follows the IdP's redirects.
package testkit

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkey"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// Kit is a test's sandbox and the Factory pointed at it.
type Kit struct {
	Env     *sandbox.Env
	F       *cmdutil.Factory
	Dir     string
	Out     *bytes.Buffer
	ErrOut  *bytes.Buffer
	Store   store.Store
	Browser atomic.Int32 // browser opens
	Vars    map[string]string
}

// New starts a sandbox (closed with the test) and a Factory whose profile
// "default" points at it.
func New(t testing.TB, opts sandbox.EnvOptions) *Kit {
	t.Helper()
	if opts.Key == nil {
		opts.Key = testkey.RSA(t)
	}
	env, err := sandbox.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	k := &Kit{Env: env, Dir: t.TempDir(), Vars: map[string]string{}}
	ios, _, out, errOut := iostreamstest.New()
	k.Out, k.ErrOut = out, errOut
	k.Store = store.NewFileStore(k.Dir)
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	f := &cmdutil.Factory{
		IOStreams: ios,
		Getenv:    func(key string) string { return k.Vars[key] },
		Environ: func() []string {
			env := make([]string, 0, len(k.Vars))
			for key, v := range k.Vars {
				env = append(env, key+"="+v)
			}
			return env
		},
		Now:         now,
		ProfileName: config.DefaultProfile,
		ConfigDir:   func() (string, error) { return k.Dir, nil },
		Store:       func() (store.Store, error) { return k.Store, nil },
		HTTPClient:  func() *http.Client { return &http.Client{Timeout: 10 * time.Second} },
		Lock: func(ctx context.Context, profile string, timeout time.Duration) (func(), error) {
			return store.Lock(ctx, k.Dir, profile, timeout)
		},
		Browser: func(ctx context.Context, url string) error {
			k.Browser.Add(1)
			go func() { _ = idpemu.FakeBrowser(context.WithoutCancel(ctx), nil, url) }()
			return nil
		},
		AWSConfig:  func(context.Context, string) (aws.Config, error) { return env.AWSConfig(), nil },
		Executable: func() (string, error) { return "/usr/local/bin/tip-cli", nil },
	}
	f.Config = func() (*config.File, error) { return config.Load(k.Dir) }
	k.F = f
	return k
}

// Configure saves the sandbox profile as name with a free redirect port.
func (k *Kit) Configure(t testing.TB, name string) *config.Profile {
	t.Helper()
	return k.Save(t, name, k.Env.Profile(testport.RedirectURI(t)))
}

// ConfigureFederation saves the sandbox's iam-federation profile as name
// with a free redirect port, its sessions lasting duration (0: one hour).
func (k *Kit) ConfigureFederation(t testing.TB, name string, duration time.Duration) *config.Profile {
	t.Helper()
	return k.Save(t, name, k.Env.FederationProfile(testport.RedirectURI(t), duration))
}

// Save saves p as profile name in the kit's config directory.
func (k *Kit) Save(t testing.TB, name string, p *config.Profile) *config.Profile {
	t.Helper()
	cfg, err := config.Load(k.Dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Profiles[name] = p
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	return p
}

// Reset clears captured output.
func (k *Kit) Reset() {
	k.Out.Reset()
	k.ErrOut.Reset()
}
