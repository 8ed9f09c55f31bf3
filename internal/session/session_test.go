package session_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

func TestLoginRequiredMessages(t *testing.T) {
	for _, tt := range []struct {
		err  *session.LoginRequiredError
		want string
	}{
		{&session.LoginRequiredError{Profile: "default"}, "not signed in: run `tip-cli auth`"},
		{&session.LoginRequiredError{Profile: "work", Reason: "the identity provider session ended"}, "not signed in (the identity provider session ended): run `tip-cli --profile work auth`"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// Goroutines sharing one store and lock: one refresh chain, every caller
// gets the same credentials.
func TestConcurrentCallersShareOneRefresh(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	p := k.Configure(t, "default")
	m := signedIn(t, k, p)
	ctx := context.Background()
	b, _ := k.Store.Get(ctx, "default")
	b.Session("").Expiration = time.Now().Add(-time.Second)
	if err := k.Store.Put(ctx, "default", b); err != nil {
		t.Fatal(err)
	}
	before := k.Env.AWS.Counts()["AssumeRole"]

	const n = 8
	keys := make([]string, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := m.Credentials(ctx, exchange.Scope{}, false)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = c.AccessKeyID
		}(i)
	}
	wg.Wait()
	for _, key := range keys[1:] {
		if key != keys[0] {
			t.Fatalf("callers got different credentials: %v", keys)
		}
	}
	if d := k.Env.AWS.Counts()["AssumeRole"] - before; d != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", d)
	}
}

// A failing exchange after a successful refresh keeps the rotated refresh
// token: the next call refreshes with it instead of replaying the dead one.
func TestRotatedRefreshTokenSurvivesFailedExchange(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	p := k.Configure(t, "default")
	m, err := k.F.Manager(p, cmdutil.SignInOptions{NonInteractive: true})
	if err != nil {
		t.Fatal(err)
	}
	interactive, _ := k.F.Manager(p, cmdutil.SignInOptions{Timeout: 20 * time.Second})
	ctx := context.Background()
	if _, _, err := interactive.SignInAndExchange(ctx); err != nil {
		t.Fatal(err)
	}
	k.Env.AWS.FailNext("CreateTokenWithIAM", 500, "InternalServerException", "boom")
	_, err = m.Credentials(ctx, exchange.Scope{}, true)
	var step *exchange.StepError
	if !errors.As(err, &step) || step.Step != exchange.StepCreateToken {
		t.Fatalf("want a CreateTokenWithIAM step error, got %v", err)
	}
	if _, err := m.Credentials(ctx, exchange.Scope{}, true); err != nil {
		t.Fatalf("after a failed exchange the saved refresh token must still work: %v", err)
	}
}

func TestNonInteractiveWithoutTokens(t *testing.T) {
	m := &session.Manager{
		Profile: "default",
		Store:   store.NewMemory(),
		Lock:    func(context.Context, string) (func(), error) { return func() {}, nil },
	}
	_, err := m.Credentials(context.Background(), exchange.Scope{}, false)
	var lr *session.LoginRequiredError
	if !errors.As(err, &lr) {
		t.Fatalf("want LoginRequiredError, got %v", err)
	}
}

// signedIn is p's Manager (interactive, 20 s sign-in) after `tip-cli auth`:
// signed in through the sandbox's fake browser, the unscoped session cached.
func signedIn(t *testing.T, k *testkit.Kit, p *config.Profile) *session.Manager {
	t.Helper()
	m, err := k.F.Manager(p, cmdutil.SignInOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.SignInAndExchange(context.Background()); err != nil {
		t.Fatal(err)
	}
	return m
}
