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

// validFloor is how much validity credentials kept after a failed refresh
// must have left to be served (warm.TooSoon's floor).
const validFloor = time.Minute

// cache keeps the last credentials in memory while the expiry policy calls
// them fresh and lets one fetch run at a time: every request arriving while
// it runs waits for its result instead of starting another. The background
// refresh (ahead.go) runs its fetches through the same flight.
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
	// taken is set when cur has been served: only credentials somebody
	// took are refreshed ahead, so an idle server calls nobody.
	taken bool
	// failures counts fetches failed in a row; until retryAt a request
	// gets the still-valid cur instead of starting another.
	failures int
	retryAt  time.Time
	// changed is closed (and replaced) when cur or taken changes, waking
	// the background refresh.
	changed chan struct{}
}

// flight is one fetch in progress; done is closed when creds/err are set.
type flight struct {
	done  chan struct{}
	creds *cred.Credentials
	err   error
}

// get returns credentials and whether this request waited for a fetch (for
// the request log). After a failed fetch it returns the still-valid
// credentials together with the error, which the caller reports.
func (c *cache) get(ctx context.Context) (*cred.Credentials, bool, error) {
	c.mu.Lock()
	now := c.now()
	if cur := c.cur; cur != nil && now.Before(cur.Expiration) && c.fresh(now, cur) {
		c.take()
		c.mu.Unlock()
		return cur, false, nil
	}
	if cur := c.cur; cur != nil && now.Before(c.retryAt) && c.valid(now, cur) {
		c.take()
		c.mu.Unlock()
		return cur, false, nil
	}
	f := c.start(c.source)
	c.mu.Unlock()
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, true, ctx.Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.err != nil {
		if cur := c.cur; cur != nil && c.valid(c.now(), cur) {
			c.take()
			return cur, true, f.err
		}
		return nil, true, f.err
	}
	c.take()
	return f.creds, true, nil
}

// valid reports whether cur may still be served after a failed refresh.
func (c *cache) valid(now time.Time, cur *cred.Credentials) bool {
	return now.Add(validFloor).Before(cur.Expiration)
}

// take marks cur as served; c.mu is held.
func (c *cache) take() {
	if !c.taken {
		c.taken = true
		c.notify()
	}
}

// notify wakes the background refresh; c.mu is held.
func (c *cache) notify() {
	if c.changed != nil {
		close(c.changed)
	}
	c.changed = make(chan struct{})
}

// start returns the flight in progress or starts one with src; c.mu is held.
func (c *cache) start(src Source) *flight {
	if c.inflight != nil {
		return c.inflight
	}
	f := &flight{done: make(chan struct{})}
	c.inflight = f
	go c.run(f, src)
	return f
}

func (c *cache) run(f *flight, src Source) {
	ctx, cancel := context.WithTimeout(c.base, c.timeout)
	defer cancel()
	creds, err := src(ctx)
	c.mu.Lock()
	if err == nil {
		if !sameKey(creds, c.cur) {
			c.taken = false
			c.notify()
		}
		c.cur, c.failures, c.retryAt = creds, 0, time.Time{}
	} else {
		c.failures++
		c.retryAt = c.now().Add(backoff(c.failures))
	}
	c.inflight = nil
	f.creds, f.err = creds, err
	c.mu.Unlock()
	close(f.done)
}

// backoff is the wait before retry n (1-based) of a failed refresh:
// 5 s, doubling, at most 2 minutes.
func backoff(n int) time.Duration {
	d := 5 * time.Second
	for i := 1; i < n && d < 2*time.Minute; i++ {
		d *= 2
	}
	return min(d, 2*time.Minute)
}

func sameKey(a, b *cred.Credentials) bool {
	return a != nil && b != nil && a.AccessKeyID == b.AccessKeyID && a.Expiration.Equal(b.Expiration)
}
