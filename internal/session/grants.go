package session

import (
	"context"
	"errors"
	"fmt"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/warm"
)

// GrantFetcher calls S3 Access Grants GetDataAccess signed by the
// identity-enhanced session sess (the s3ag client, wired by cmdutil).
type GrantFetcher interface {
	GetDataAccess(ctx context.Context, sess *cred.Credentials, req s3ag.Request) (*cred.Grant, error)
}

// GrantSource is how a Manager reaches S3 Access Grants.
type GrantSource struct {
	// Fetcher is built only when a grant must be fetched, so a cached grant
	// costs one store read and nothing else.
	Fetcher func(ctx context.Context) (GrantFetcher, error)
	// AccountID is the profile's configured account: the Access Grants
	// account when neither the request nor the session names one.
	AccountID string
}

// ErrNoGrantAccount means the Access Grants account is unknown: neither the
// request, the session's assumed-role ARN nor the profile names it.
var ErrNoGrantAccount = errors.New("cannot tell the S3 Access Grants account: pass --account-id")

// Grant serves S3 Access Grants credentials for req with the same rules as
// Credentials: a cached grant covering req is served after one store read
// with no lock; otherwise, under the profile lock, the bundle is re-read
// (another process may have fetched it while we waited), the unscoped
// identity-enhanced session refreshed if due, GetDataAccess called once and
// the grant cached. force skips both cache reads.
func (m *Manager) Grant(ctx context.Context, req s3ag.Request, force bool) (*cred.Grant, error) {
	if !force {
		// The warm path: the served part only, never the IdP tokens.
		served, err := m.Store.GetServed(ctx, m.Profile)
		if err != nil {
			return nil, fmt.Errorf("read cached credentials: %w", err)
		}
		if g := m.lookupGrant(served, req); g != nil {
			m.log().Debug("serving cached grant", "profile", m.Profile, "target", g.Target, "expiration", g.Credentials.Expiration)
			return g, nil
		}
	}
	var out *cred.Grant
	err := m.locked(ctx, func(b *store.Bundle) (bool, error) {
		if g := m.lookupGrant(b.ServedPart(), req); g != nil && !force {
			m.log().Debug("another process fetched the grant while we waited for the lock", "profile", m.Profile)
			out = g
			return false, nil
		}
		sess, refreshed, err := m.lockedSession(ctx, b)
		if err != nil {
			return refreshed, err // a refreshed session is worth saving even so
		}
		g, err := m.fetchGrant(ctx, sess, req)
		if err != nil {
			return refreshed, err
		}
		b.Grants = s3ag.Upsert(b.Grants, g, m.now())
		out = g
		return true, nil
	})
	return out, err
}

// lockedSession returns the fresh unscoped session from b, running the
// chain into b when due; refreshed reports whether b changed.
func (m *Manager) lockedSession(ctx context.Context, b *store.Bundle) (*cred.Credentials, bool, error) {
	if c := warm.Session(b.ServedPart(), exchange.Scope{}.Key(), m.ChainID, m.Policy, m.now()); c != nil {
		return c, false, nil
	}
	c, err := m.exchange(ctx, b, exchange.Scope{})
	return c, true, err
}

// fetchGrant calls GetDataAccess for req signed by sess. The account comes
// from the request, else the session's assumed-role ARN, else the profile.
func (m *Manager) fetchGrant(ctx context.Context, sess *cred.Credentials, req s3ag.Request) (*cred.Grant, error) {
	switch {
	case req.AccountID != "":
	case sess.AccountID != "":
		req.AccountID = sess.AccountID
	case m.Grants.AccountID != "":
		req.AccountID = m.Grants.AccountID
	default:
		return nil, ErrNoGrantAccount
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	if m.Grants.Fetcher == nil {
		return nil, errors.New("s3 access grants are not configured for this manager")
	}
	f, err := m.Grants.Fetcher(ctx)
	if err != nil {
		return nil, err
	}
	nctx, cancel := m.bounded(ctx)
	defer cancel()
	g, err := f.GetDataAccess(nctx, sess, req)
	if err != nil {
		return nil, m.timedOut(nctx, "S3 Access Grants", err)
	}
	g.Credentials.Chain = sess.Chain // served only while the profile's chain is the same
	m.log().Debug("grant fetched", "profile", m.Profile, "target", g.Target, "permission", g.Permission, "expiration", g.Credentials.Expiration)
	return g, nil
}

// lookupGrant returns the cached grant serving req that is fresh per the
// manager's expiry policy, or nil. The decision is warm.Grant, which the
// lean credential_process binary makes too.
func (m *Manager) lookupGrant(s *store.Served, req s3ag.Request) *cred.Grant {
	return warm.Grant(s, req, m.ChainID, m.Policy, m.now())
}

// ClearGrants forgets every cached S3 Access Grants credential of the
// profile under its lock and returns how many there were.
func (m *Manager) ClearGrants(ctx context.Context) (int, error) {
	n := 0
	err := m.locked(ctx, func(b *store.Bundle) (bool, error) {
		n = len(b.Grants)
		b.Grants = nil
		return n > 0, nil
	})
	return n, err
}
