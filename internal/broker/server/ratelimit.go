package server

import (
	"sync"
	"time"
)

// Limiter is a token bucket per caller: Rate requests per second on
// average, Burst at once. Idle callers' buckets are dropped once the table
// grows, so memory stays bounded by the number of active callers.
type Limiter struct {
	Rate  float64
	Burst int

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// limiterSweepAt is the table size at which full (idle) buckets are dropped.
const limiterSweepAt = 10000

// NewLimiter returns a limiter allowing rate requests/s with the given burst.
func NewLimiter(rate float64, burst int) *Limiter {
	return &Limiter{Rate: rate, Burst: burst, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket. When none is left it returns
// false and how long until one is.
func (l *Limiter) Allow(key string, now time.Time) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= limiterSweepAt {
			l.sweep(now)
		}
		b = &bucket{tokens: float64(l.Burst), last: now}
		l.buckets[key] = b
	}
	b.refill(now, l.Rate, float64(l.Burst))
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / l.Rate * float64(time.Second)), false
}

func (b *bucket) refill(now time.Time, rate, burst float64) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = min(burst, b.tokens+elapsed*rate)
		b.last = now
	}
}

// sweep drops buckets that have refilled completely: forgetting them
// changes nothing for their callers.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		b.refill(now, l.Rate, float64(l.Burst))
		if b.tokens >= float64(l.Burst) {
			delete(l.buckets, k)
		}
	}
}
