// Package session serves a profile's credentials: from the cache when they
// are fresh (no lock, no network, one store read), otherwise through one
// refresh chain per profile however many processes ask at once — a
// cross-process lock around "re-read cache → refresh IdP token → exchange →
// save", with waiters served from the cache the winner wrote. No ID token
// is presented to CreateTokenWithIAM twice: see ledger.go.
package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/warm"
)

// Refresher refreshes IdP tokens (idp.Client): prev's refresh token, under
// the IdP metadata pinned in prev.
type Refresher interface {
	Refresh(ctx context.Context, prev *cred.Tokens) (*cred.Tokens, error)
}

// Exchanger runs the AWS chain (exchange.Chain.Exchange).
type Exchanger interface {
	Exchange(ctx context.Context, idToken string, scope exchange.Scope) (*cred.Credentials, error)
}

// Manager serves one profile's credentials.
type Manager struct {
	Profile string
	Store   store.Store
	// Lock takes a cross-process lock by store name: the profile's, or a
	// shared sign-in's store.SignInKey.
	Lock func(ctx context.Context, name string) (unlock func(), err error)
	// SignInKey is store.SignInKey of the shared sign-in the profile uses;
	// "" when the profile is its own sign-in (signin.go).
	SignInKey string
	// SharedWith lists the profiles on the shared sign-in (this one
	// included); a new interactive sign-in clears their cached sessions.
	SharedWith []string
	// IdP and Exchanger are built only when a refresh is needed, so the
	// cached path pays for neither (AWS config loading costs milliseconds).
	IdP       func(ctx context.Context) (Refresher, error)
	Exchanger func(ctx context.Context) (Exchanger, error)
	// SingleUse: the profile's exchange path presents the ID token as a
	// single-use assertion (exchange.Path.SingleUse), so every token is
	// recorded in the assertion ledger before it is presented (ledger.go).
	SingleUse bool
	// ChainID is the profile's config.Profile.ChainID: only sessions minted
	// under it are served (a changed mode or role never serves an old one).
	ChainID string
	// SignIn runs an interactive sign-in; nil means non-interactive, and a
	// needed sign-in fails with *LoginRequiredError.
	SignIn func(ctx context.Context) (*cred.Tokens, error)
	// RefreshRejected reports whether err means the refresh token is dead
	// (the IdP said invalid_grant): the user must sign in again.
	RefreshRejected func(err error) bool
	// RefreshUnanswered reports whether a failed refresh may have reached
	// the IdP without its answer reaching us (rotate.go).
	RefreshUnanswered func(err error) bool
	Policy            credproc.Policy
	Now               func() time.Time
	// Sleep waits d or until ctx ends (default a timer); the assertion
	// ledger uses it to wait for the IdP's next second.
	Sleep func(ctx context.Context, d time.Duration) error
	// NetTimeout bounds each network phase that needs no person: one IdP
	// refresh, one walk of the chain, one GetDataAccess (0: unbounded). The
	// Go SDK kills a credential_process after a minute, so tip-cli keeps
	// a refresh plus a chain well under it; an interactive sign-in keeps
	// its own timeout.
	NetTimeout time.Duration
	// Log receives --debug events; never a token or secret.
	Log *slog.Logger
	// Grants reaches S3 Access Grants (grants.go).
	Grants GrantSource
	// SubjectChanged, when set, is told when an interactive sign-in is a
	// person (ID token subject) other than the one stored before it: a
	// sign-in another local user delivered to our callback looks like this.
	SubjectChanged func(previous, current *cred.Tokens)
}

// LoginRequiredError means no usable IdP session exists and the command
// may not start an interactive sign-in.
type LoginRequiredError struct {
	Profile string
	Reason  string
}

func (e *LoginRequiredError) Error() string {
	cmd := e.command()
	if e.Reason != "" {
		return fmt.Sprintf("not signed in (%s): run `%s`", e.Reason, cmd)
	}
	return fmt.Sprintf("not signed in: run `%s`", cmd)
}

// command is the sign-in command for the profile.
func (e *LoginRequiredError) command() string {
	if e.Profile != "" && e.Profile != "default" {
		return "tip-cli --profile " + e.Profile + " auth"
	}
	return "tip-cli auth"
}

// Credentials returns identity-enhanced credentials for scope, from the
// cache when fresh unless force is set.
func (m *Manager) Credentials(ctx context.Context, scope exchange.Scope, force bool) (*cred.Credentials, error) {
	key := scope.Key()
	if !force {
		// The warm path: the served part only, never the IdP tokens.
		served, err := m.Store.GetServed(ctx, m.Profile)
		if err != nil {
			return nil, fmt.Errorf("read cached credentials: %w", err)
		}
		if c := warm.Session(served, key, m.ChainID, m.Policy, m.now()); c != nil {
			m.log().Debug("serving cached credentials", "profile", m.Profile, "scope", key, "expiration", c.Expiration)
			return c, nil
		}
	}
	m.log().Debug("cached credentials missing or due for refresh", "profile", m.Profile, "scope", key, "force", force)
	var out *cred.Credentials
	err := m.locked(ctx, func(b *store.Bundle) (bool, error) {
		if c := warm.Session(b.ServedPart(), key, m.ChainID, m.Policy, m.now()); !force && c != nil {
			m.log().Debug("another process refreshed while we waited for the lock", "profile", m.Profile)
			out = c // another process refreshed while we waited
			return false, nil
		}
		c, err := m.exchange(ctx, b, scope)
		out = c
		return c != nil, err
	})
	return out, err
}

// SignInAndExchange always signs in interactively, then runs the chain for
// the unscoped session so the next credential_process call is warm. The
// tokens are saved even when the exchange fails.
func (m *Manager) SignInAndExchange(ctx context.Context) (*cred.Tokens, *cred.Credentials, error) {
	if m.SignIn == nil {
		return nil, nil, &LoginRequiredError{Profile: m.Profile}
	}
	var tokens *cred.Tokens
	var creds *cred.Credentials
	err := m.locked(ctx, func(b *store.Bundle) (bool, error) {
		t, err := m.SignIn(ctx)
		if err != nil {
			return false, err
		}
		if err := m.signedIn(ctx, b, t); err != nil {
			return false, err
		}
		// reserve saves the sign-in (with its ledger entry) before the
		// exchange presents it.
		t, err = m.reserve(ctx, b, t)
		tokens = t
		if err != nil {
			return false, err
		}
		creds, err = m.exchangeWith(ctx, b, t.IDToken, exchange.Scope{})
		return creds != nil, err
	})
	return tokens, creds, err
}

// RefreshTokens forces an IdP token refresh (or a sign-in when allowed)
// and saves the result. The returned ID token has never been used as an
// assertion and is recorded in the ledger as presented, so callers may run
// one exchange with it (console --role-arn, diag's live check) and no
// other path will present it again.
func (m *Manager) RefreshTokens(ctx context.Context) (*cred.Tokens, error) {
	var out *cred.Tokens
	err := m.locked(ctx, func(b *store.Bundle) (bool, error) {
		t, err := m.freshIDToken(ctx, b)
		out = t
		return false, err // freshIDToken saved already (tokens and ledger)
	})
	return out, err
}

// locked runs fn with the sign-in's lock held (the profile's own, unless it
// uses a shared sign-in: signin.go) on a freshly read bundle and saves the
// bundle when fn reports a change.
func (m *Manager) locked(ctx context.Context, fn func(b *store.Bundle) (bool, error)) error {
	start := m.now()
	unlock, err := m.Lock(ctx, m.lockName())
	if err != nil {
		return err
	}
	defer unlock()
	m.log().Debug("sign-in lock acquired", "profile", m.Profile, "shared", m.shared(), "waited", m.now().Sub(start))
	b, err := m.load(ctx)
	if err != nil {
		return err
	}
	changed, err := fn(b)
	if changed {
		if perr := m.save(ctx, b); perr != nil {
			return errors.Join(err, fmt.Errorf("save credentials: %w", perr))
		}
	}
	return err
}

// exchange gets a fresh ID token (refresh, or sign in) and runs the chain.
func (m *Manager) exchange(ctx context.Context, b *store.Bundle, scope exchange.Scope) (*cred.Credentials, error) {
	t, err := m.freshIDToken(ctx, b)
	if err != nil {
		return nil, err
	}
	return m.exchangeWith(ctx, b, t.IDToken, scope)
}

// exchangeWith presents idToken, which reserve must have recorded in b's
// ledger and saved (so a crash after CreateTokenWithIAM cannot lead to a
// second presentation).
func (m *Manager) exchangeWith(ctx context.Context, b *store.Bundle, idToken string, scope exchange.Scope) (*cred.Credentials, error) {
	if m.SingleUse && b.PresentedEntry(idToken, m.now()) == nil {
		return nil, errors.New("internal error: an ID token not recorded in the assertion ledger was about to be presented")
	}
	ex, err := m.Exchanger(ctx)
	if err != nil {
		return nil, err
	}
	nctx, cancel := m.bounded(ctx)
	defer cancel()
	c, err := ex.Exchange(nctx, idToken, scope)
	if err != nil {
		return nil, m.timedOut(nctx, "the AWS exchange", err)
	}
	m.log().Debug("exchange chain complete", "assumed_role", c.AssumedRoleARN, "expiration", c.Expiration)
	b.SetSession(scope.Key(), c)
	return c, nil
}

// freshIDToken returns an ID token never yet presented as an assertion
// (Identity Center accepts each once), refreshed or from a new sign-in, and
// already recorded in the ledger and saved (see reserve).
func (m *Manager) freshIDToken(ctx context.Context, b *store.Bundle) (*cred.Tokens, error) {
	t, err := m.newTokens(ctx, b)
	if err != nil {
		return nil, err
	}
	return m.reserve(ctx, b, t)
}

// newTokens refreshes b's IdP tokens, or signs in when there is no usable
// refresh token and sign-in is allowed, and puts them into b, saved
// (rotate): a rotated refresh token replaces a dead one, and presenting the
// old one again may revoke the whole grant.
func (m *Manager) newTokens(ctx context.Context, b *store.Bundle) (*cred.Tokens, error) {
	reason := ""
	if b.IdP != nil && b.IdP.RefreshToken != "" {
		t, err := m.rotate(ctx, b)
		if err == nil {
			return t, nil
		}
		var dead *deadRefreshError
		switch {
		case errors.As(err, &dead):
			reason = dead.reason
		case m.RefreshRejected == nil || !m.RefreshRejected(err):
			return nil, err
		default:
			reason = "the identity provider session ended"
		}
	}
	if m.SignIn == nil {
		return nil, &LoginRequiredError{Profile: m.Profile, Reason: reason}
	}
	m.log().Debug("starting interactive sign-in", "profile", m.Profile)
	t, err := m.SignIn(ctx)
	if err != nil {
		return nil, err
	}
	if err := m.signedIn(ctx, b, t); err != nil {
		return nil, err
	}
	return t, nil
}

func (m *Manager) refresh(ctx context.Context, prev *cred.Tokens) (*cred.Tokens, error) {
	idp, err := m.IdP(ctx)
	if err != nil {
		return nil, err
	}
	rt := prev.RefreshToken
	nctx, cancel := m.bounded(ctx)
	defer cancel()
	t, err := idp.Refresh(nctx, prev)
	if err != nil {
		m.log().Debug("identity provider refresh failed", "error", err)
		return nil, fmt.Errorf("refresh identity provider token: %w", m.timedOut(nctx, "the identity provider", err))
	}
	m.log().Debug("identity provider tokens refreshed", "id_expiry", t.Expiry, "rotated", t.RefreshToken != rt)
	return t, nil
}

// bounded returns ctx limited to NetTimeout, if set.
func (m *Manager) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if m.NetTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, m.NetTimeout)
}

// timedOut says which party did not answer when the NetTimeout deadline
// (not the caller's own context) ended err's call.
func (m *Manager) timedOut(ctx context.Context, who string, err error) error {
	if m.NetTimeout > 0 && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not answer within %s: %w", who, m.NetTimeout, err)
	}
	return err
}

func (m *Manager) log() *slog.Logger {
	if m.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return m.Log
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) error {
	if m.Sleep != nil {
		return m.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d or until ctx ends (the default of Manager.Sleep; the
// credential server's refresh-ahead loop waits with it too).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}
