package callerauth

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Replay cache outcomes of reserve.
var (
	errReplayed = errors.New("presigned request already used")
	// ErrBusy is wrapped when the replay cache is full of unexpired
	// verified signatures (HTTP 503): the broker refuses new callers rather
	// than forget a signature a replay could reuse.
	ErrBusy = errors.New("replay cache full")
)

// replayCache remembers the signatures of presigned requests STS verified,
// until they are stale. A signature is first reserved (so two concurrent
// uses of one header cannot both pass), then either confirmed once STS
// accepted it or released when STS refused it: junk that STS never
// verified never stays, and an unexpired entry is never evicted. When full
// of unexpired entries it refuses (ErrBusy) instead.
//
// Each remembered entry is charged to the caller role it authenticated;
// one role holds at most perCaller entries, so no principal can fill the
// cache and lock the others out.
type replayCache struct {
	mu        sync.Mutex
	limit     int
	perCaller int
	pending   map[string]time.Time
	seen      map[string]time.Time
	byCaller  map[string]int
	byTime    expiryHeap
}

func newReplayCache(limit, perCaller int) *replayCache {
	return &replayCache{limit: limit, perCaller: perCaller, pending: map[string]time.Time{}, seen: map[string]time.Time{},
		byCaller: map[string]int{}}
}

// reserve claims key (valid until exp) at now; it fails with errReplayed
// when key is reserved or remembered, and ErrBusy when the cache is full.
func (c *replayCache) reserve(key string, exp, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropExpired(now)
	if _, dup := c.seen[key]; dup {
		return errReplayed
	}
	if _, dup := c.pending[key]; dup {
		return errReplayed
	}
	if len(c.seen)+len(c.pending) >= c.limit {
		return ErrBusy
	}
	c.pending[key] = exp
	return nil
}

// confirm remembers a reserved key until its expiry, charged to caller;
// when caller already holds its share the key is released instead and
// ErrCallerQuota returned.
func (c *replayCache) confirm(key, caller string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.pending[key]
	if !ok {
		return nil
	}
	delete(c.pending, key)
	if c.byCaller[caller] >= c.perCaller {
		return fmt.Errorf("%w (%d)", ErrCallerQuota, c.perCaller)
	}
	c.seen[key] = exp
	c.byCaller[caller]++
	heap.Push(&c.byTime, expiryEntry{key: key, exp: exp, caller: caller})
	return nil
}

// release forgets a reserved key STS did not verify.
func (c *replayCache) release(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, key)
}

// dropExpired removes remembered entries whose expiry is not after now.
func (c *replayCache) dropExpired(now time.Time) {
	for c.byTime.Len() > 0 && !c.byTime[0].exp.After(now) {
		e := heap.Pop(&c.byTime).(expiryEntry)
		delete(c.seen, e.key)
		if c.byCaller[e.caller]--; c.byCaller[e.caller] <= 0 {
			delete(c.byCaller, e.caller)
		}
	}
}

// expiryEntry is one remembered signature.
type expiryEntry struct {
	key, caller string
	exp         time.Time
}

// expiryHeap is a min-heap of entries by expiry (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
