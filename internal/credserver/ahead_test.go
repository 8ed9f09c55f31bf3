package credserver_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/credserver"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testclock"
)

// sleeper is the background refresh's timer: each Sleep reports the
// duration asked for and returns when the test sends on wake.
type sleeper struct {
	asked chan time.Duration
	wake  chan struct{}
}

func (s *sleeper) Sleep(ctx context.Context, d time.Duration) error {
	select {
	case s.asked <- d:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// events forwards the server's log messages to a channel (after writing
// them to buf), so a test waits for "refreshed ahead" instead of sleeping.
type events struct {
	slog.Handler
	ch chan string
}

func (e events) Handle(ctx context.Context, r slog.Record) error {
	err := e.Handler.Handle(ctx, r)
	e.ch <- r.Message
	return err
}

// aheadFixture serves sessions of life through an endpoint that refreshes
// ahead with credproc's default policy; refresh errors when fail is set.
type aheadFixture struct {
	*fixture
	sl   *sleeper
	ev   chan string
	fail atomic.Bool
	// failWith, when set, is the error the source fails with.
	failWith atomic.Pointer[error]
	refresh  atomic.Int32
	life     time.Duration
}

func startAhead(t *testing.T, life time.Duration) *aheadFixture {
	t.Helper()
	fx := &aheadFixture{fixture: &fixture{log: &testbuf.Buffer{}, clock: testclock.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))},
		sl: &sleeper{asked: make(chan time.Duration, 4), wake: make(chan struct{})}, ev: make(chan string, 256), life: life}
	fx.notices = make(chan string, 16)
	policy := credproc.DefaultPolicy()
	source := func(context.Context) (*cred.Credentials, error) {
		if fx.fail.Load() {
			return nil, errors.New("identity provider unreachable")
		}
		if err := fx.failWith.Load(); err != nil {
			return nil, *err
		}
		return creds(fx.calls.Add(1), fx.clock.Now(), life), nil
	}
	fx.serve(t, credserver.Config{
		Endpoints: map[string]credserver.Endpoint{credserver.Path: {
			Source: source,
			Fresh:  policy.FreshCredentials,
			Ahead: &credserver.Ahead{
				At: func(c *cred.Credentials) time.Time { at, _ := policy.Ahead(c.MintedAt, c.Expiration); return at },
				Refresh: func(ctx context.Context, c *cred.Credentials) (*cred.Credentials, error) {
					fx.refresh.Add(1)
					return source(ctx)
				},
			},
		}},
		Sleep: fx.sl.Sleep,
		Log:   slog.New(events{slog.NewTextHandler(fx.log, nil), fx.ev}),
	})
	return fx
}

// get asks with the Go SDK's container provider and checks the key.
func (fx *aheadFixture) get(t *testing.T, want int32) {
	t.Helper()
	key, err := fx.sdk(context.Background(), fx.token)
	if err != nil || key != fmt.Sprintf("ASIAKEY%d", want) {
		t.Fatalf("got key %q, err %v; want ASIAKEY%d", key, err, want)
	}
}

// waitFor waits for the log message msg, skipping request lines; any other
// message fails the test.
func (fx *aheadFixture) waitFor(t *testing.T, msg string) {
	t.Helper()
	for m := range fx.ev {
		if m == msg {
			return
		}
		if m != "request served" && m != "refresh failed; serving the current credentials" {
			t.Fatalf("log %q while waiting for %q\n%s", m, msg, fx.log)
		}
	}
}

// Three refresh points of sessions of several lengths: each refresh runs in
// the background at the lead the policy gives the session, only once the
// credentials were taken, and no request after the first waits.
func TestRefreshAhead(t *testing.T) {
	for _, life := range []time.Duration{time.Hour, 12 * time.Hour, 150 * time.Second} {
		t.Run(life.String(), func(t *testing.T) {
			fx := startAhead(t, life)
			at, _ := credproc.DefaultPolicy().Ahead(fx.clock.Now(), fx.clock.Now().Add(life))
			lead := at.Sub(fx.clock.Now())
			fx.get(t, 1)
			for point := int32(1); point <= 3; point++ {
				if d := <-fx.sl.asked; d != lead {
					t.Fatalf("point %d: the background refresh sleeps %s, want %s", point, d, lead)
				}
				fx.clock.Advance(lead)
				fx.sl.wake <- struct{}{}
				fx.waitFor(t, "refreshed ahead")
				select {
				case d := <-fx.sl.asked:
					t.Fatalf("point %d: scheduled a refresh (in %s) of credentials nobody took", point, d)
				default:
				}
				fx.get(t, point+1)
			}
			if n := fx.refresh.Load(); n != 3 {
				t.Errorf("background refreshes = %d, want 3", n)
			}
			if n := strings.Count(fx.log.String(), "refreshed=true"); n != 1 {
				t.Errorf("%d requests waited for a fetch, want 1 (the first)\n%s", n, fx.log)
			}
		})
	}
}

// A failing background refresh keeps serving the credentials in hand, also
// past the policy's stale point, and retries with a growing backoff.
func TestRefreshAheadFailure(t *testing.T) {
	fx := startAhead(t, time.Hour)
	fx.get(t, 1)
	fx.fail.Store(true)
	d := <-fx.sl.asked
	fx.clock.Advance(d)
	fx.sl.wake <- struct{}{}
	fx.waitFor(t, "background refresh failed; serving the current credentials until they expire")
	fx.get(t, 1)
	var retries []time.Duration
	for range 3 {
		d := <-fx.sl.asked
		retries = append(retries, d)
		fx.clock.Advance(d)
		fx.sl.wake <- struct{}{}
		fx.waitFor(t, "background refresh failed; serving the current credentials until they expire")
	}
	if want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second}; fmt.Sprint(retries) != fmt.Sprint(want) {
		t.Errorf("retries after %v, want %v", retries, want)
	}
	// Past the stale point (16 min left), still failing, the timer parked:
	// the request that tries once more gets the valid credentials, not an
	// error.
	<-fx.sl.asked
	fx.clock.Advance(10 * time.Minute)
	fx.get(t, 1)
	if !strings.Contains(fx.log.String(), "refresh failed; serving the current credentials") {
		t.Errorf("no warning for the failed request-time refresh\n%s", fx.log)
	}
	fx.fail.Store(false)
	fx.sl.wake <- struct{}{}
	fx.waitFor(t, "refreshed ahead")
	fx.get(t, 2)
}

// One refresh at a time: requests that find the credentials stale (the
// timer fired late: a suspended laptop) and the background refresh share
// one fetch.
func TestRefreshAheadOneAtATime(t *testing.T) {
	fx := startAhead(t, time.Hour)
	fx.get(t, 1)
	d := <-fx.sl.asked
	fx.clock.Advance(d + 6*time.Minute)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := fx.sdk(context.Background(), fx.token); err != nil {
				t.Error(err)
			}
		}()
	}
	fx.sl.wake <- struct{}{}
	wg.Wait()
	fx.get(t, 2)
	if n := fx.calls.Load(); n != 2 {
		t.Errorf("fetches = %d, want 2 (the first, one refresh)", n)
	}
}

// A sign-in that is gone shows at the background refresh, minutes before
// any request would fail, while the credentials in hand are still served.
func TestRefreshAheadLoginRequired(t *testing.T) {
	fx := startAhead(t, time.Hour)
	fx.get(t, 1)
	var err error = &session.LoginRequiredError{Profile: "work", Reason: "the identity provider session ended"}
	fx.failWith.Store(&err)
	d := <-fx.sl.asked
	fx.clock.Advance(d)
	fx.sl.wake <- struct{}{}
	if msg := <-fx.notices; !strings.Contains(msg, "not signed in") || !strings.Contains(msg, "work") {
		t.Errorf("notice = %q, want the not-signed-in message", msg)
	}
	fx.waitFor(t, "background refresh failed; serving the current credentials until they expire")
	// Requests answered from memory meanwhile and the retries tell no more.
	for range 2 {
		fx.get(t, 1)
		d := <-fx.sl.asked
		fx.clock.Advance(d)
		fx.sl.wake <- struct{}{}
		fx.waitFor(t, "background refresh failed; serving the current credentials until they expire")
	}
	if len(fx.notices) != 0 {
		t.Errorf("told the user %d more times: %q", len(fx.notices), <-fx.notices)
	}
	// Signed in elsewhere: the next retry succeeds, a later outage is told anew.
	fx.failWith.Store(nil)
	d = <-fx.sl.asked
	fx.clock.Advance(d)
	fx.sl.wake <- struct{}{}
	fx.waitFor(t, "refreshed ahead")
	fx.get(t, 2)
	fx.failWith.Store(&err)
	d = <-fx.sl.asked
	fx.clock.Advance(d)
	fx.sl.wake <- struct{}{}
	if msg := <-fx.notices; !strings.Contains(msg, "not signed in") {
		t.Errorf("second outage: notice = %q", msg)
	}
}
