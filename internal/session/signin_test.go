package session_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// sharedKit configures profiles a and b on the shared sign-in "corp".
func sharedKit(t *testing.T) (*testkit.Kit, map[string]*config.Profile) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	whole := k.Env.Profile(testport.RedirectURI(t))
	cfg := &config.File{SignIns: map[string]*config.Profile{"corp": whole.IdPSettings()}, Profiles: map[string]*config.Profile{}}
	for _, name := range []string{"a", "b"} {
		p := whole.WithoutIdP()
		p.SignIn = "corp"
		cfg.Profiles[name] = p
	}
	if err := config.Save(k.Dir, cfg); err != nil {
		t.Fatal(err)
	}
	out := map[string]*config.Profile{}
	for _, name := range []string{"a", "b"} {
		p, err := cfg.Profile(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = p
	}
	return k, out
}

func sharedManager(t *testing.T, k *testkit.Kit, name string, p *config.Profile, o cmdutil.SignInOptions, locks *[]string) *session.Manager {
	t.Helper()
	k.F.ProfileName = name
	m, err := k.F.Manager(p, o)
	if err != nil {
		t.Fatal(err)
	}
	lock := m.Lock
	m.Lock = func(ctx context.Context, n string) (func(), error) {
		*locks = append(*locks, n)
		return lock(ctx, n)
	}
	return m
}

// Profiles on one sign-in: the refresh lock is the sign-in's, a failed
// exchange of one profile after a refresh leaves the rotated refresh token
// for the other (the sandbox IdP revokes the grant if a used one comes
// back), and the tokens live under the sign-in, never the profile.
func TestSharedSignInLockAndRotation(t *testing.T) {
	k, profiles := sharedKit(t)
	var locks []string
	a := sharedManager(t, k, "a", profiles["a"], cmdutil.SignInOptions{Timeout: 20 * time.Second}, &locks)
	b := sharedManager(t, k, "b", profiles["b"], cmdutil.SignInOptions{NonInteractive: true}, &locks)
	if a.SignInKey != store.SignInKey("corp") || len(a.SharedWith) != 2 {
		t.Fatalf("manager a: sign-in key %q, shared with %v", a.SignInKey, a.SharedWith)
	}
	ctx := context.Background()
	if _, _, err := a.SignInAndExchange(ctx); err != nil {
		t.Fatal(err)
	}
	k.Env.AWS.FailNext("CreateTokenWithIAM", 500, "InternalServerException", "boom")
	if _, err := a.Credentials(ctx, exchange.Scope{}, true); err == nil {
		t.Fatal("want the injected CreateTokenWithIAM failure")
	}
	if _, err := b.Credentials(ctx, exchange.Scope{}, false); err != nil {
		t.Fatalf("profile b after a's failed exchange: %v", err)
	}
	for _, n := range locks {
		if n != store.SignInKey("corp") {
			t.Errorf("lock taken on %s, want the sign-in's", store.DisplayName(n))
		}
	}
	for _, name := range []string{"a", "b"} {
		if got, _ := k.Store.Get(ctx, name); got != nil && (got.IdP != nil || len(got.Presented) > 0) {
			t.Errorf("profile %s holds IdP tokens or a ledger", name)
		}
	}
	si, _ := k.Store.Get(ctx, store.SignInKey("corp"))
	if si == nil || si.IdP == nil || len(si.Presented) != 3 {
		t.Fatalf("sign-in bundle %+v: want tokens and 3 ledger entries (sign-in, a's failed, b's)", si)
	}
	var lr *session.LoginRequiredError
	if err := k.Store.Delete(ctx, store.SignInKey("corp")); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Credentials(ctx, exchange.Scope{}, true); !errors.As(err, &lr) {
		t.Errorf("without the sign-in's tokens: %v, want LoginRequiredError", err)
	}
}
