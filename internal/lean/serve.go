package lean

import (
	"context"
	"runtime"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/scope"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/warm"
)

// serve answers the command line from the cache when tip-cli would answer
// it from the cache with no error; served=false hands it to tip-cli. It
// follows tip-cli's order (flags, config, store, scope) so that side
// effects (the once-only file-store warning) happen at most as tip-cli's.
func serve(ctx context.Context, d *Deps) (code int, served bool) {
	if d.Getenv("TIP_CLI_DEBUG") == "1" {
		return 0, false // --debug output is tip-cli's
	}
	r, ok := parse(d.Args, d.Getenv)
	if !ok || credproc.ValidateFormat(r.format) != nil {
		return 0, false
	}
	dir, err := config.Dir(d.Getenv)
	if err != nil {
		return 0, false
	}
	prof, ok := loadProfile(dir, r.profile)
	if !ok {
		return 0, false
	}
	policy := credproc.DefaultPolicy()
	now := d.Now()
	var creds *cred.Credentials
	var extra credproc.Extra
	switch r.kind {
	case kindIAM:
		flags := scope.Flags{Policy: r.policy, PolicyARNs: r.policyARNs}
		if flags.Validate() != nil {
			return 0, false
		}
		sc, err := flags.Resolve(prof, d.ReadFile)
		if err != nil {
			return 0, false
		}
		if r.margin > 0 {
			policy.Margin = r.margin
		}
		b, err := cachedBundle(ctx, d, dir, r.profile)
		if err != nil {
			return 0, false
		}
		creds = warm.Printable(b, sc.Key(), prof.ChainID(), policy, now)
	case kindS3AG:
		req, err := s3ag.ParseRequest(s3ag.Input{Target: r.target, Permission: r.permission, Privilege: r.privilege,
			TargetType: r.targetType, AccountID: r.accountID, DurationSeconds: r.durationSeconds})
		if err != nil {
			return 0, false
		}
		b, err := cachedBundle(ctx, d, dir, r.profile)
		if err != nil {
			return 0, false
		}
		if g := warm.Grant(b, req, prof.ChainID(), policy, now); g != nil {
			creds, extra = g.Credentials, credproc.Extra{Target: g.Target}
		}
	}
	if creds == nil {
		return 0, false
	}
	if err := credproc.Write(d.Stdout, r.format, creds, extra); err != nil {
		// Worded as tip-cli's error report (cmdbase.Report, one line) words
		// the same failed write; cmdbase itself links the AWS SDK.
		msg := strings.Join(strings.Fields(strings.ReplaceAll(err.Error(), "\n", "; ")), " ")
		_, _ = d.Stderr.Write([]byte("tip-cli: " + msg + "\n"))
		return 1, true
	}
	return 0, true
}

// loadProfile loads and checks the profile as tip-cli's ValidProfile does.
func loadProfile(dir, name string) (*config.Profile, bool) {
	cfg, err := config.Load(dir)
	if err != nil {
		return nil, false
	}
	p, err := cfg.Profile(name)
	if err != nil || p.Validate() != nil {
		return nil, false
	}
	return p, true
}

// cachedBundle is the lean binary's only store access: the backend tip-cli
// would open (same selection, same once-only warning) and the warm path's
// one read, GetServed: the served part only, never the IdP tokens, exactly
// what tip-cli's session manager reads before it decides. On Linux the
// keyring store reads the key only from the kernel keyring cache: a miss
// (store.ErrNoOSKeyring) hands the call to tip-cli, which reads the Secret
// Service and fills the cache (#23).
func cachedBundle(ctx context.Context, d *Deps, dir, profile string) (*store.Served, error) {
	st, err := store.Open(store.OpenOptions{
		Dir:     dir,
		Backend: d.Getenv("TIP_CLI_STORE"),
		Getenv:  d.Getenv,
		GOOS:    runtime.GOOS,
		Warn:    d.Stderr,
		Keyring: osKeyring(),
		Cache:   store.KernelKeyCache(),
	})
	if err != nil {
		return nil, err
	}
	return st.GetServed(ctx, profile)
}
