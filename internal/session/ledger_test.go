package session_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// The four sequences of issue 12 that failed with "the assertion has
// already been used" against an IdP whose ID tokens carry no jti. The
// sandbox IdP runs jti-less on a clock that stands still unless the
// Manager sleeps (a sleep advances it), so every refresh before a wait
// returns byte-identical tokens, and the AWS emulation refuses a replayed
// assertion by its SHA-256.

const testPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`

// jtiLess is a signed-in kit on a jti-less IdP with a still clock.
type jtiLess struct {
	k     *testkit.Kit
	p     *config.Profile
	clock *testclock.Clock
}

func newJTILess(t *testing.T) *jtiLess {
	t.Helper()
	clock := testclock.New(time.Now().Truncate(time.Second))
	k := testkit.New(t, sandbox.EnvOptions{Now: clock.Now, NoJTI: true})
	k.F.Sleep = func(_ context.Context, d time.Duration) error {
		clock.Advance(d)
		return nil
	}
	j := &jtiLess{k: k, p: k.Configure(t, "default"), clock: clock}
	// `tip-cli auth`: sign in and exchange the unscoped session.
	if _, _, err := j.manager(t, false).SignInAndExchange(context.Background()); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	return j
}

// manager is a new Manager, as a new process would build one.
func (j *jtiLess) manager(t *testing.T, nonInteractive bool) *session.Manager {
	t.Helper()
	m, err := j.k.F.Manager(j.p, cmdutil.SignInOptions{NonInteractive: nonInteractive, Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// noReplays fails the test if the AWS emulation refused any assertion.
func (j *jtiLess) noReplays(t *testing.T) {
	t.Helper()
	if n := j.k.Env.AWS.Counts()[awsemu.ReplayRefusedCount]; n != 0 {
		t.Errorf("replayed assertions refused = %d, want 0", n)
	}
}

func TestLedgerSequences(t *testing.T) {
	scoped := exchange.Scope{Policy: testPolicy}
	for _, tt := range []struct {
		name string
		run  func(t *testing.T, j *jtiLess) error
	}{
		{"auth then a second scope", func(t *testing.T, j *jtiLess) error {
			_, err := j.manager(t, true).Credentials(context.Background(), scoped, false)
			return err
		}},
		{"auth then diag's live check", func(t *testing.T, j *jtiLess) error {
			// What diag's live check does: RefreshTokens, then its own chain.
			ctx := context.Background()
			tok, err := j.manager(t, true).RefreshTokens(ctx)
			if err != nil {
				return err
			}
			chain, err := j.k.F.Chain(ctx, j.p)
			if err != nil {
				return err
			}
			_, err = chain.Exchange(ctx, tok.IDToken, scoped)
			return err
		}},
		{"killed between CreateTokenWithIAM and the save, then called again", func(t *testing.T, j *jtiLess) error {
			ctx := context.Background()
			killed := j.manager(t, true)
			real := killed.Exchanger
			killed.Exchanger = func(ctx context.Context) (session.Exchanger, error) {
				ex, err := real(ctx)
				return diesAfterExchange{ex}, err
			}
			if _, err := killed.Credentials(ctx, exchange.Scope{}, true); !errors.Is(err, errDied) {
				return err
			}
			_, err := j.manager(t, true).Credentials(ctx, exchange.Scope{}, true)
			return err
		}},
		{"two callers for different scopes at once", func(t *testing.T, j *jtiLess) error {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, s := range []exchange.Scope{scoped, {Policy: strings.Replace(testPolicy, "GetObject", "PutObject", 1)}} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = j.manager(t, true).Credentials(context.Background(), s, false)
				}()
			}
			wg.Wait()
			return errors.Join(errs...)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := newJTILess(t)
			if err := tt.run(t, j); err != nil {
				t.Fatal(err)
			}
			j.noReplays(t)
		})
	}
}

var errDied = errors.New("process died after CreateTokenWithIAM")

// diesAfterExchange runs the whole chain (the assertion is spent) and then
// fails as a process killed before saving would: nothing is stored.
type diesAfterExchange struct{ ex session.Exchanger }

func (d diesAfterExchange) Exchange(ctx context.Context, idToken string, scope exchange.Scope) (*cred.Credentials, error) {
	if _, err := d.ex.Exchange(ctx, idToken, scope); err != nil {
		return nil, err
	}
	return nil, errDied
}

// An IdP that keeps returning the same ID token (its clock never moves
// here: the Manager's sleeps are real no-ops) gets a bounded number of
// refreshes and a typed error, and the rotated refresh token stays saved.
func TestLedgerGivesUpWithTypedError(t *testing.T) {
	j := newJTILess(t)
	m := j.manager(t, true)
	var slept []time.Duration
	m.Sleep = func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}
	before := j.k.Env.IdP.Counts()["token:refresh_token"]
	_, err := m.Credentials(context.Background(), exchange.Scope{Policy: testPolicy}, false)
	var reused *session.AssertionReusedError
	if !errors.As(err, &reused) || reused.Attempts != 4 {
		t.Fatalf("want AssertionReusedError after 4 attempts, got %v", err)
	}
	if !strings.Contains(err.Error(), "already presented to IAM Identity Center") {
		t.Errorf("message %q", err)
	}
	if n := j.k.Env.IdP.Counts()["token:refresh_token"] - before; n != 4 {
		t.Errorf("refreshes = %d, want 4", n)
	}
	if len(slept) != 3 || slept[1] < time.Second {
		t.Errorf("waits %v, want 3, the later ones a whole second", slept)
	}
	if n := j.k.Env.AWS.Counts()["CreateTokenWithIAM"]; n != 1 {
		t.Errorf("CreateTokenWithIAM calls = %d, want 1 (the sign-in's)", n)
	}
	// The last rotated refresh token was saved: once the IdP's clock moves
	// on, the next call works.
	j.clock.Advance(time.Second)
	if _, err := j.manager(t, true).Credentials(context.Background(), exchange.Scope{Policy: testPolicy}, false); err != nil {
		t.Fatalf("after the IdP's clock moved: %v", err)
	}
	j.noReplays(t)
}
