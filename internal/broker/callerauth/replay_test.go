package callerauth

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestReplayCache(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newReplayCache(3, 3)
	type step struct {
		op   string // reserve, confirm, release
		key  string
		exp  time.Duration // after t0
		now  time.Duration
		want error
		size int
	}
	steps := []step{
		{op: "reserve", key: "a", exp: 10 * time.Minute, size: 1},
		{op: "reserve", key: "a", exp: 10 * time.Minute, want: errReplayed, size: 1}, // pending: a concurrent use
		{op: "confirm", key: "a", size: 1},
		{op: "reserve", key: "a", exp: 10 * time.Minute, now: time.Minute, want: errReplayed, size: 1},
		{op: "reserve", key: "b", exp: 5 * time.Minute, size: 2},
		{op: "release", key: "b", size: 1}, // STS refused b: forgotten, may come again
		{op: "reserve", key: "b", exp: 5 * time.Minute, size: 2},
		{op: "confirm", key: "b", size: 2},
		{op: "reserve", key: "c", exp: 7 * time.Minute, size: 3},
		{op: "confirm", key: "c", size: 3},
		// full of unexpired entries: refused, nothing evicted
		{op: "reserve", key: "d", exp: 8 * time.Minute, now: time.Minute, want: ErrBusy, size: 3},
		{op: "reserve", key: "b", exp: 5 * time.Minute, now: time.Minute, want: errReplayed, size: 3},
		// b expired: dropped, room for d
		{op: "reserve", key: "d", exp: 8 * time.Minute, now: 6 * time.Minute, size: 3},
		{op: "reserve", key: "a", exp: 20 * time.Minute, now: 9 * time.Minute, want: errReplayed, size: 2},
		{op: "reserve", key: "a", exp: 20 * time.Minute, now: 10 * time.Minute, size: 2},
	}
	for i, s := range steps {
		var err error
		switch s.op {
		case "reserve":
			err = c.reserve(s.key, t0.Add(s.exp), t0.Add(s.now))
		case "confirm":
			_ = c.confirm(s.key, "app")
		case "release":
			c.release(s.key)
		}
		if !errors.Is(err, s.want) || (s.want == nil && err != nil) || c.size() != s.size {
			t.Fatalf("step %d %s(%s) = %v size %d, want %v size %d", i, s.op, s.key, err, c.size(), s.want, s.size)
		}
	}
}

// TestReplayCacheCannotBeFlushed is the flush attack of issue 13: junk
// signatures STS refuses never stay, so a genuine one is remembered after
// any number of them; junk that STS accepted (an attacker's own valid
// presigns) fills the cache, which then refuses rather than evicts.
func TestReplayCacheCannotBeFlushed(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newReplayCache(100, 100)
	if err := c.reserve("genuine", t0.Add(time.Minute), t0); err != nil {
		t.Fatal(err)
	}
	_ = c.confirm("genuine", "app")
	for i := range 100_200 {
		key := fmt.Sprint("junk", i)
		if err := c.reserve(key, t0.Add(2*time.Minute), t0); err != nil {
			t.Fatalf("junk %d: %v", i, err)
		}
		c.release(key)
	}
	if err := c.reserve("genuine", t0.Add(time.Minute), t0); !errors.Is(err, errReplayed) {
		t.Fatalf("genuine signature after 100,200 junk: %v, want errReplayed", err)
	}
	for i := range 99 {
		key := fmt.Sprint("valid", i)
		if err := c.reserve(key, t0.Add(2*time.Minute), t0); err != nil {
			t.Fatal(err)
		}
		_ = c.confirm(key, "app")
	}
	if err := c.reserve("one-more", t0.Add(2*time.Minute), t0); !errors.Is(err, ErrBusy) {
		t.Fatalf("full cache: %v, want ErrBusy", err)
	}
	if err := c.reserve("genuine", t0.Add(time.Minute), t0); !errors.Is(err, errReplayed) {
		t.Fatalf("genuine evicted from a full cache: %v", err)
	}
	if c.size() != 100 || len(c.byTime) != 100 {
		t.Fatalf("size = %d/%d, want 100", c.size(), len(c.byTime))
	}
}

// size returns the number of remembered and reserved entries.
func (c *replayCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen) + len(c.pending)
}
