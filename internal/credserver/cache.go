package credserver

import (
	"context"
	"sync"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Source fetches credentials: the session manager's Credentials or Grant,
// which re-read the store, take the profile lock and refresh when due.
type Source func(ctx context.Context) (*cred.Credentials, error)

// cache keeps the last credentials in memory while the expiry policy calls
// them fresh and lets one fetch run at a time: every request arriving while
// it runs waits for its result instead of starting another.
type cache struct {
	source  Source
	fresh   func(now time.Time, c *cred.Credentials) bool
	now     func() time.Time
	timeout time.Duration
	// base outlives any one request: a fetch must not fail for the others
	// because the request that started it was cancelled.
	base context.Context

	mu       sync.Mutex
	cur      *cred.Credentials
	inflight *flight
}

// flight is one fetch in progress; done is closed when creds/err are set.
type flight struct {
	done  chan struct{}
	creds *cred.Credentials
	err   error
}

// get returns fresh credentials and whether this request waited for a
// fetch (for the request log).
func (c *cache) get(ctx context.Context) (*cred.Credentials, bool, error) {
	c.mu.Lock()
	if cur := c.cur; cur != nil && c.now().Before(cur.Expiration) && c.fresh(c.now(), cur) {
		c.mu.Unlock()
		return cur, false, nil
	}
	f := c.inflight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		c.inflight = f
		go c.run(f)
	}
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.creds, true, f.err
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
}

func (c *cache) run(f *flight) {
	ctx, cancel := context.WithTimeout(c.base, c.timeout)
	defer cancel()
	creds, err := c.source(ctx)
	c.mu.Lock()
	if err == nil {
		c.cur = creds
	}
	c.inflight = nil
	c.mu.Unlock()
	f.creds, f.err = creds, err
	close(f.done)
}
