package credserver

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Ahead makes an endpoint refresh in the background before its credentials
// stop being fresh, so no request waits for a chain.
type Ahead struct {
	// At is when the background refresh of c is due
	// (credproc.Policy.Ahead).
	At func(c *cred.Credentials) time.Time
	// Refresh fetches with the stricter rule: c, and anything in the store
	// no newer, counts as stale from At(c) on. It is not a forced refresh:
	// a session another process refreshed meanwhile is taken as it is.
	Refresh func(ctx context.Context, c *cred.Credentials) (*cred.Credentials, error)
}

// errSameCredentials reports a background refresh that came back with the
// credentials it was to replace.
var errSameCredentials = errors.New("the refresh returned the credentials it was to replace")

// ahead refreshes c's credentials at a.At while somebody has taken them,
// one fetch at a time (the cache's flight), until ctx ends. A failure keeps
// the still-valid credentials, goes to report (which tells the user when
// the sign-in is gone, minutes before any request would fail) and is
// retried with backoff (cache.retryAt) until they expire; after that
// requests fetch for themselves. A success is reported as nil.
func (c *cache) ahead(ctx context.Context, a *Ahead, sleep func(context.Context, time.Duration) error, log *slog.Logger, report func(error)) {
	for {
		c.mu.Lock()
		cur, taken, changed := c.cur, c.taken, c.changed
		due, never := time.Time{}, true
		if cur != nil {
			due = a.At(cur)
			// Credentials due from the start (a session too short to be
			// fresh) are fetched by each request anyway: refreshing them
			// ahead as well would loop.
			never = !due.After(cur.MintedAt)
			if c.retryAt.After(due) {
				due = c.retryAt
			}
		}
		c.mu.Unlock()
		if cur == nil || !taken || never || !c.valid(due, cur) {
			// Nothing to refresh ahead: wait until credentials are taken
			// or replaced.
			select {
			case <-changed:
				continue
			case <-ctx.Done():
				return
			}
		}
		if d := due.Sub(c.now()); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return
			}
		}
		c.mu.Lock()
		replaced := !sameKey(c.cur, cur)
		var f *flight
		if !replaced {
			f = c.start(func(ctx context.Context) (*cred.Credentials, error) {
				n, err := a.Refresh(ctx, cur)
				if err == nil && sameKey(n, cur) {
					return nil, errSameCredentials
				}
				return n, err
			})
		}
		c.mu.Unlock()
		if replaced {
			continue
		}
		select {
		case <-f.done:
		case <-ctx.Done():
			return
		}
		if f.err != nil {
			report(f.err)
			c.mu.Lock()
			retry := c.retryAt
			c.mu.Unlock()
			log.Warn("background refresh failed; serving the current credentials until they expire", "error", f.err,
				"expiration", cur.Expiration.UTC().Format(time.RFC3339), "retry_at", retry.UTC().Format(time.RFC3339))
			continue
		}
		report(nil)
		log.Info("refreshed ahead", "expiration", f.creds.Expiration.UTC().Format(time.RFC3339))
	}
}
