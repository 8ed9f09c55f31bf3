package jwtauth

import (
	"context"
	"fmt"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// maxEntries is the cache size above which stale, idle entries are pruned.
const maxEntries = 4096

// entry is the cached key set of one JWKS URL. Fields are guarded by
// Verifier.mu.
type entry struct {
	keys      []jose.JSONWebKey
	fetchedAt time.Time  // when keys were stored
	attempt   time.Time  // when the last fetch started
	lastErr   error      // error of the last fetch, nil if it succeeded
	fetches   int        // HTTP fetches started
	call      *fetchCall // the fetch in flight, if any
	// kidTokens is the unknown-kid refetch bucket (RefetchBurst deep,
	// refilled one per RefetchInterval), as of kidAt.
	kidTokens float64
	kidAt     time.Time
}

// fetchCall is one in-flight fetch shared by every caller that needs it.
type fetchCall struct {
	done chan struct{}
	err  error // set before done is closed
}

// Stats reports cache activity for one JWKS URL.
type Stats struct {
	// Fetches is the number of HTTP fetches started for the URL.
	Fetches int
}

// Stats returns the cache activity for jwksURL (zero if never used).
func (v *Verifier) Stats(jwksURL string) Stats {
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.entries[jwksURL]; ok {
		return Stats{Fetches: e.fetches}
	}
	return Stats{}
}

// keySet returns the keys for url, fetching when the cache is cold or past
// its TTL, or at once when unknownKid asks for a refetch (a rotated key)
// and the URL's refetch bucket has a token left. Concurrent callers share one fetch. A failed
// refresh keeps serving the stale set; stale is then the fetch error. An
// error is returned only when no set is available.
//
// fetched reports that this call waited for a fetch, so the set is as new
// as it gets: an unknown kid in it needs no second fetch.
func (v *Verifier) keySet(ctx context.Context, url string, unknownKid bool) (keys []jose.JSONWebKey, fetched bool, stale, err error) {
	if err := ctx.Err(); err != nil {
		return nil, false, nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, err)
	}
	v.mu.Lock()
	now := v.now()
	e := v.entryLocked(url, now)
	c := e.call
	if c == nil {
		if !v.needFetchLocked(e, now, unknownKid) {
			keys, stale = e.keys, e.lastErr
			v.mu.Unlock()
			return keys, false, stale, nil
		}
		c = &fetchCall{done: make(chan struct{})}
		e.call, e.attempt = c, now
		e.fetches++
		// The fetch outlives a cancelled caller: others may wait on it.
		go v.runFetch(context.WithoutCancel(ctx), url, e, c)
	}
	v.mu.Unlock()
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, false, nil, fmt.Errorf("%w: %w", ErrJWKSUnavailable, ctx.Err())
	}
	v.mu.Lock()
	keys = e.keys
	v.mu.Unlock()
	if keys == nil {
		return nil, true, nil, c.err
	}
	return keys, true, c.err, nil
}

// needFetchLocked decides whether e must be fetched now. The caller holds v.mu.
func (v *Verifier) needFetchLocked(e *entry, now time.Time, unknownKid bool) bool {
	switch {
	case e.keys == nil:
		return true
	case unknownKid:
		return v.takeKidToken(e, now)
	case now.Sub(e.fetchedAt) >= v.ttl:
		// After a failed refresh, wait RefetchInterval before retrying.
		return e.lastErr == nil || now.Sub(e.attempt) >= v.refetch
	}
	return false
}

// takeKidToken takes one unknown-kid refetch from e's bucket. The caller
// holds v.mu.
func (v *Verifier) takeKidToken(e *entry, now time.Time) bool {
	if e.kidAt.IsZero() {
		e.kidTokens, e.kidAt = float64(v.burst), now
	}
	if d := now.Sub(e.kidAt); d > 0 {
		e.kidTokens = min(float64(v.burst), e.kidTokens+d.Seconds()/v.refetch.Seconds())
		e.kidAt = now
	}
	if e.kidTokens < 1 {
		return false
	}
	e.kidTokens--
	return true
}

// runFetch performs c's fetch for e and publishes the result.
func (v *Verifier) runFetch(ctx context.Context, url string, e *entry, c *fetchCall) {
	ctx, cancel := context.WithTimeout(ctx, v.fetchTime)
	defer cancel()
	keys, err := v.fetch(ctx, url)
	v.mu.Lock()
	if err == nil {
		e.keys, e.fetchedAt = keys, v.now()
	}
	e.lastErr = err
	c.err = err
	e.call = nil
	v.mu.Unlock()
	close(c.done)
}

// entryLocked returns the entry for url, creating it; when the cache is
// large it first drops idle entries past their TTL. The caller holds v.mu.
func (v *Verifier) entryLocked(url string, now time.Time) *entry {
	if e, ok := v.entries[url]; ok {
		return e
	}
	if len(v.entries) >= maxEntries {
		for u, e := range v.entries {
			if e.call == nil && now.Sub(e.fetchedAt) >= v.ttl {
				delete(v.entries, u)
			}
		}
	}
	e := &entry{}
	v.entries[url] = e
	return e
}
