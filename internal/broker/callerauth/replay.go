package callerauth

import (
	"container/heap"
	"sync"
	"time"
)

// replayCache remembers presigned-request signatures until they are stale.
// It holds at most limit entries: expired ones are dropped first, then, when
// still full, the one closest to expiry (so a flood of junk signatures can
// neither grow memory nor lock legitimate callers out).
type replayCache struct {
	mu      sync.Mutex
	limit   int
	seen    map[string]time.Time
	byTime  expiryHeap
	evicted int // live entries dropped because the cache was full
}

func newReplayCache(limit int) *replayCache {
	return &replayCache{limit: limit, seen: map[string]time.Time{}}
}

// use records key until exp and reports false when key is already
// recorded and not expired at now.
func (c *replayCache) use(key string, exp, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropExpired(now)
	if _, dup := c.seen[key]; dup {
		return false
	}
	for len(c.seen) >= c.limit && c.byTime.Len() > 0 {
		e := heap.Pop(&c.byTime).(expiryEntry)
		delete(c.seen, e.key)
		c.evicted++
	}
	c.seen[key] = exp
	heap.Push(&c.byTime, expiryEntry{key: key, exp: exp})
	return true
}

// dropExpired removes entries whose expiry is not after now.
func (c *replayCache) dropExpired(now time.Time) {
	for c.byTime.Len() > 0 && !c.byTime[0].exp.After(now) {
		e := heap.Pop(&c.byTime).(expiryEntry)
		delete(c.seen, e.key)
	}
}

// size returns the number of remembered entries.
func (c *replayCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

// expiryEntry is one remembered signature.
type expiryEntry struct {
	key string
	exp time.Time
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
