package callerauth

import (
	"fmt"
	"testing"
	"time"
)

func TestReplayCache(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newReplayCache(3)
	steps := []struct {
		key  string
		exp  time.Duration // after t0
		now  time.Duration
		want bool
		size int
	}{
		{key: "a", exp: 10 * time.Minute, want: true, size: 1},
		{key: "a", exp: 10 * time.Minute, now: time.Minute, want: false, size: 1},
		{key: "b", exp: 5 * time.Minute, want: true, size: 2},
		{key: "c", exp: 7 * time.Minute, want: true, size: 3},
		// full: b (soonest expiry) is evicted to make room for d
		{key: "d", exp: 8 * time.Minute, now: time.Minute, want: true, size: 3},
		{key: "a", exp: 10 * time.Minute, now: time.Minute, want: false, size: 3},
		// c and d expired by now: dropped, a stays and is still refused
		{key: "a", exp: 10 * time.Minute, now: 9 * time.Minute, want: false, size: 1},
		{key: "a", exp: 20 * time.Minute, now: 10 * time.Minute, want: true, size: 1},
	}
	for i, s := range steps {
		if got := c.use(s.key, t0.Add(s.exp), t0.Add(s.now)); got != s.want || c.size() != s.size {
			t.Fatalf("step %d use(%s) = %v size %d, want %v size %d", i, s.key, got, c.size(), s.want, s.size)
		}
	}
	if c.evicted != 1 {
		t.Fatalf("evicted = %d, want 1", c.evicted)
	}
}

func TestReplayCacheBounded(t *testing.T) {
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newReplayCache(100)
	for i := range 10_000 {
		c.use(fmt.Sprint(i), t0.Add(time.Hour+time.Duration(i)), t0)
	}
	if c.size() != 100 || len(c.byTime) != 100 {
		t.Fatalf("size = %d/%d, want 100", c.size(), len(c.byTime))
	}
	if c.use("9999", t0.Add(2*time.Hour), t0) {
		t.Fatal("the newest entry was evicted")
	}
}
