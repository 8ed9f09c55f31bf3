package session_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// diskStore is the kit's real file store with a disk that can fill up:
// once full, every Put fails as a full filesystem does (ENOSPC), until
// freed. failAfter lets a number of Puts through first.
type diskStore struct {
	store.Store
	mu        sync.Mutex
	full      bool
	failAfter int
}

func (d *diskStore) Put(ctx context.Context, profile string, b *store.Bundle) error {
	d.mu.Lock()
	fail := d.full && d.failAfter == 0
	if d.full && d.failAfter > 0 {
		d.failAfter--
	}
	d.mu.Unlock()
	if fail {
		return &fsErr{syscall.ENOSPC}
	}
	return d.Store.Put(ctx, profile, b)
}

func (d *diskStore) fill(after int) { d.mu.Lock(); d.full, d.failAfter = true, after; d.mu.Unlock() }
func (d *diskStore) free()          { d.mu.Lock(); d.full = false; d.mu.Unlock() }

type fsErr struct{ errno syscall.Errno }

func (e *fsErr) Error() string { return "write secrets/default.json: " + e.errno.Error() }
func (e *fsErr) Unwrap() error { return e.errno }

// rotating is a signed-in kit whose store can fill up.
func rotating(t *testing.T) (*testkit.Kit, *diskStore, func(nonInteractive bool) *session.Manager) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	disk := &diskStore{Store: k.Store}
	k.Store = disk
	p := k.Configure(t, "default")
	manager := func(nonInteractive bool) *session.Manager {
		m, err := k.F.Manager(p, cmdutil.SignInOptions{NonInteractive: nonInteractive, Timeout: 20 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		m.Sleep = func(context.Context, time.Duration) error { return nil }
		return m
	}
	if _, _, err := manager(false).SignInAndExchange(context.Background()); err != nil {
		t.Fatalf("sign-in: %v", err)
	}
	return k, disk, manager
}

// TestRotationUnderFaults (issue 22 item 2): a refresh whose result cannot be
// saved must never lead to the old refresh token being presented again (the
// IdP revokes the whole grant on reuse).
func TestRotationUnderFaults(t *testing.T) {
	ctx := context.Background()

	t.Run("full before the refresh: nothing sent, works once freed", func(t *testing.T) {
		k, disk, manager := rotating(t)
		before := k.Env.IdP.Counts()["token:refresh_token"]
		disk.fill(0)
		_, err := manager(true).Credentials(ctx, exchange.Scope{}, true)
		if err == nil || !strings.Contains(err.Error(), "nothing was sent to the identity provider") || !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("Credentials on a full disk = %v", err)
		}
		if n := k.Env.IdP.Counts()["token:refresh_token"] - before; n != 0 {
			t.Errorf("refreshes sent with a full disk = %d, want 0", n)
		}
		disk.free()
		if _, err := manager(true).Credentials(ctx, exchange.Scope{}, true); err != nil {
			t.Fatalf("after freeing the disk: %v", err)
		}
		if n := k.Env.IdP.Counts()[idpemu.ReuseRevokedCount]; n != 0 {
			t.Errorf("refresh tokens replayed = %d, want 0", n)
		}
	})

	t.Run("full after the IdP rotated: sign in again, never a replay", func(t *testing.T) {
		k, disk, manager := rotating(t)
		disk.fill(1) // the intent record is saved; the rotated tokens are not
		if _, err := manager(true).Credentials(ctx, exchange.Scope{}, true); err == nil || !strings.Contains(err.Error(), "rotated the refresh token but it could not be saved") {
			t.Fatalf("Credentials = %v, want the unsaved rotation error", err)
		}
		disk.free()
		_, err := manager(true).Credentials(ctx, exchange.Scope{}, true)
		var lr *session.LoginRequiredError
		if !errors.As(err, &lr) || !strings.Contains(err.Error(), "never sent twice") {
			t.Fatalf("next non-interactive call = %v, want a sign-in request", err)
		}
		if n := k.Env.IdP.Counts()[idpemu.ReuseRevokedCount]; n != 0 {
			t.Errorf("refresh tokens replayed = %d, want 0 (the grant was revoked)", n)
		}
		// An interactive call signs in anew and goes on.
		if _, err := manager(false).Credentials(ctx, exchange.Scope{}, true); err != nil {
			t.Fatalf("interactive call after the lost rotation: %v", err)
		}
	})

	t.Run("a save that fails for a moment is retried", func(t *testing.T) {
		k, disk, manager := rotating(t)
		m := manager(true)
		var once sync.Once
		m.Sleep = func(context.Context, time.Duration) error { once.Do(disk.free); return nil }
		disk.fill(1)
		if _, err := m.Credentials(ctx, exchange.Scope{}, true); err != nil {
			t.Fatalf("Credentials with a transient save failure: %v", err)
		}
		if _, err := manager(true).Credentials(ctx, exchange.Scope{}, true); err != nil {
			t.Fatalf("next call: %v", err)
		}
		if n := k.Env.IdP.Counts()[idpemu.ReuseRevokedCount]; n != 0 {
			t.Errorf("refresh tokens replayed = %d, want 0", n)
		}
	})
}
