package jwtauth_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
)

// cacheStep is one action of a cache scenario and the fetch count after it.
type cacheStep struct {
	name        string
	advance     time.Duration
	before      func(i *brokeremu.AppIssuer)
	token       func(t *testing.T, i *brokeremu.AppIssuer) string
	wantErr     error
	wantFetches int
}

func current(t *testing.T, i *brokeremu.AppIssuer) string { return mint(t, i, nil) }

func withKid(kid string) func(*testing.T, *brokeremu.AppIssuer) string {
	return func(t *testing.T, i *brokeremu.AppIssuer) string { return mintWith(t, i, "RS256", nil, kid, nil) }
}

func TestCache(t *testing.T) {
	rotate := func(i *brokeremu.AppIssuer) { i.RotateKey() }
	fail := func(i *brokeremu.AppIssuer) { i.SetJWKSStatus(http.StatusInternalServerError) }
	heal := func(i *brokeremu.AppIssuer) { i.SetJWKSStatus(0) }
	scenarios := []struct {
		name  string
		steps []cacheStep
	}{
		{"unknown kid and rotation", []cacheStep{
			{name: "cold", token: current, wantFetches: 1},
			{name: "warm", token: current, wantFetches: 1},
			{name: "rotation right after a fetch is served at once", before: rotate, token: current, wantFetches: 2},
			{name: "unknown kid refetches", token: withKid("nope-1"), wantErr: jwtauth.ErrInvalidToken, wantFetches: 3},
			{name: "burst of 3 refetches", token: withKid("nope-2"), wantErr: jwtauth.ErrInvalidToken, wantFetches: 4},
			{name: "bucket empty: no fetch", token: withKid("nope-3"), wantErr: jwtauth.ErrInvalidToken, wantFetches: 4},
			{name: "rotation while empty waits for a token", before: rotate, advance: 59 * time.Second, token: current,
				wantErr: jwtauth.ErrInvalidToken, wantFetches: 4},
			{name: "one token per interval", advance: time.Second, token: current, wantFetches: 5},
			{name: "old key gone", token: func(t *testing.T, i *brokeremu.AppIssuer) string {
				return mintWith(t, i, "RS256", newRSAKey(t), "stale-kid", nil)
			}, advance: time.Minute, wantErr: jwtauth.ErrInvalidToken, wantFetches: 6},
		}},
		{"ttl", []cacheStep{
			{name: "cold", token: current, wantFetches: 1},
			{name: "before ttl", advance: 15*time.Minute - time.Second, token: current, wantFetches: 1},
			{name: "at ttl refetch", advance: time.Second, token: current, wantFetches: 2},
			{name: "fresh again", advance: time.Minute, token: current, wantFetches: 2},
		}},
		{"stale set on failure", []cacheStep{
			{name: "cold", token: current, wantFetches: 1},
			{name: "refresh fails stale served", before: fail, advance: 16 * time.Minute, token: current, wantFetches: 2},
			{name: "no retry within interval", advance: 30 * time.Second, token: current, wantFetches: 2},
			{name: "retry after interval still stale", advance: 31 * time.Second, token: current, wantFetches: 3},
			{name: "unknown kid while failing", advance: time.Minute, token: withKid("new"),
				wantErr: jwtauth.ErrJWKSUnavailable, wantFetches: 4},
			{name: "recovers", before: heal, advance: time.Minute, token: current, wantFetches: 5},
		}},
		{"cold failure is not cached", []cacheStep{
			{name: "cold fails", before: fail, token: current, wantErr: jwtauth.ErrJWKSUnavailable, wantFetches: 1},
			{name: "still failing", token: current, wantErr: jwtauth.ErrJWKSUnavailable, wantFetches: 2},
			{name: "healed", before: heal, token: current, wantFetches: 3},
		}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			clock := newClock()
			iss := startIssuer(t, clock)
			v := verifier(clock, jwtauth.Options{})
			e := jwtauth.Expect{JWKSetURL: iss.JWKSURL()}
			for _, st := range sc.steps {
				clock.Advance(st.advance)
				if st.before != nil {
					st.before(iss)
				}
				tok := st.token(t, iss)
				_, err := v.Verify(context.Background(), tok, e)
				if !errors.Is(err, st.wantErr) || (st.wantErr == nil) != (err == nil) {
					t.Fatalf("%s: err = %v, want %v", st.name, err, st.wantErr)
				}
				if got := iss.JWKSFetches(); got != st.wantFetches {
					t.Fatalf("%s: issuer served %d fetches, want %d", st.name, got, st.wantFetches)
				}
				if got := v.Stats(e.JWKSetURL).Fetches; got != st.wantFetches {
					t.Fatalf("%s: Stats.Fetches = %d, want %d", st.name, got, st.wantFetches)
				}
			}
		})
	}
}

func TestConcurrentColdVerifyFetchesOnce(t *testing.T) {
	clock := newClock()
	iss := startIssuer(t, clock)
	iss.SetJWKSDelay(100 * time.Millisecond)
	v := verifier(clock, jwtauth.Options{})
	tok := mint(t, iss, map[string]any{"TenantID": "Blue"})
	e := jwtauth.Expect{JWKSetURL: iss.JWKSURL(), Issuer: iss.URL()}
	const n = 200
	errs := make(chan error, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			claims, err := v.Verify(context.Background(), tok, e)
			if err == nil && claims["TenantID"] != "Blue" {
				err = errors.New("wrong claims")
			}
			errs <- err
		}()
	}
	start.Done()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	if got := iss.JWKSFetches(); got != 1 {
		t.Errorf("issuer served %d fetches, want 1", got)
	}
	if got := v.Stats(e.JWKSetURL).Fetches; got != 1 {
		t.Errorf("Stats.Fetches = %d, want 1", got)
	}
}

func TestVerifyRespectsContext(t *testing.T) {
	clock := newClock()
	iss := startIssuer(t, clock)
	// The JWK Set answer is held until Verify has returned, so the fetch
	// cannot end first (a 300 ms delay against a 200 ms bound failed by
	// chance on a loaded machine). Waiting for the fetch would take its
	// detached 30 s timeout: the generous bound below tells the two apart.
	release := iss.HoldJWKS()
	t.Cleanup(release)
	v := verifier(clock, jwtauth.Options{})
	tok := mint(t, iss, nil)
	e := jwtauth.Expect{JWKSetURL: iss.JWKSURL()}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	started := time.Now()
	_, err := v.Verify(ctx, tok, e)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, jwtauth.ErrJWKSUnavailable) {
		t.Fatalf("err = %v, want deadline exceeded and ErrJWKSUnavailable", err)
	}
	if took := time.Since(started); took > 15*time.Second {
		t.Errorf("Verify returned after %v, not at the deadline", took)
	}
	release()
	// The abandoned fetch completes for later callers: no second fetch.
	if _, err := v.Verify(context.Background(), tok, e); err != nil {
		t.Fatalf("Verify after cancel: %v", err)
	}
	if got := iss.JWKSFetches(); got != 1 {
		t.Errorf("fetches = %d, want 1", got)
	}
	cancelled, stop := context.WithCancel(context.Background())
	stop()
	if _, err := v.Verify(cancelled, tok, e); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err = %v", err)
	}
}

func TestStatsUnknownURL(t *testing.T) {
	v := jwtauth.NewVerifier(jwtauth.Options{InsecureAllowPrivateNetworks: true})
	if s := v.Stats("https://never.example.com/jwks"); s.Fetches != 0 {
		t.Errorf("Stats = %+v", s)
	}
}
