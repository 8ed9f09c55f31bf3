package callerauth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"
)

// gateTransport holds every request until release is closed, telling
// entered (buffered: one arrival) when one arrives.
type gateTransport struct {
	entered chan struct{}
	release chan struct{}
	next    http.RoundTripper
}

func (g *gateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	g.entered <- struct{}{}
	<-g.release
	return g.next.RoundTrip(r)
}

// TestConcurrentSTSCap is issue 22 item 14's global cap: with one
// verification allowed in flight and that one held at the wire, a second
// caller gets ErrBusy at once, without an outbound call and without
// keeping its signature; once the first is answered the second's header
// is good again.
func TestConcurrentSTSCap(t *testing.T) {
	f := newFixture(t)
	gate := &gateTransport{entered: make(chan struct{}, 1), release: make(chan struct{}), next: http.DefaultTransport}
	v := f.verifier(t, brokerA, func(o *VerifierOptions) {
		o.MaxConcurrentSTS = 1
		o.HTTPClient = &http.Client{Transport: gate, Timeout: 5 * time.Second}
	})
	first, second := f.presign(t, brokerA, f.clock.Now()), f.presign(t, brokerA, f.clock.Now())
	done := make(chan error, 1)
	go func() {
		_, err := v.Authenticate(context.Background(), first, testBind)
		done <- err
	}()
	<-gate.entered
	_, err := v.Authenticate(context.Background(), second, testBind)
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("second caller while one verification is in flight: %v, want ErrBusy", err)
	}
	close(gate.release)
	if err := <-done; err != nil {
		t.Fatalf("first caller: %v", err)
	}
	if _, err := v.Authenticate(context.Background(), second, testBind); err != nil {
		t.Fatalf("the busy caller's header afterwards: %v", err)
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 2 {
		t.Fatalf("STS calls = %d, want 2 (the busy attempt made none)", n)
	}
}

// TestPerCallerQuota: one caller role holds at most PerCallerEntries
// replay-cache entries; beyond them it gets ErrCallerQuota and its
// signature is not kept, while another role still gets in.
func TestPerCallerQuota(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, func(o *VerifierOptions) { o.PerCallerEntries = 3 })
	for i := range 3 {
		if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	_, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind)
	if !errors.Is(err, ErrCallerQuota) {
		t.Fatalf("fourth request: %v, want ErrCallerQuota", err)
	}
	if n := v.replay.size(); n != 3 {
		t.Fatalf("replay cache holds %d, want 3", n)
	}
	f.creds = f.aws.RoleCredentials("OtherApp", "other-session", time.Hour)
	if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
		t.Fatalf("another role: %v", err)
	}
	f.clock.Advance(2*time.Minute + time.Second) // every entry has expired
	f.creds = f.aws.RoleCredentials("App", "app-session", time.Hour)
	if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
		t.Fatalf("after the entries expired: %v", err)
	}
}

// TestBrokerIssuedSessionRefused: a session named with the broker's prefix
// (what the broker issues to end users) is refused after STS identified
// it, and its signature is not kept.
func TestBrokerIssuedSessionRefused(t *testing.T) {
	f := newFixture(t)
	f.creds = f.aws.RoleCredentials("AccessRole", BrokerSessionPrefix+"alice", time.Hour)
	v := f.verifier(t, brokerA, nil)
	_, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind)
	if !errors.Is(err, ErrBrokerIssued) || !errors.Is(err, ErrNotAllowed) {
		t.Fatalf("err = %v, want ErrBrokerIssued", err)
	}
	if n := v.replay.size(); n != 0 {
		t.Fatalf("a refused caller holds %d replay-cache entries", n)
	}
}
