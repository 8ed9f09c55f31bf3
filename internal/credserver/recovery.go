package credserver

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tip-cli/tip-cli/internal/session"
)

// recovery handles a sign-in that is gone: it tells the user once per
// outage and, when allowed, runs one interactive sign-in at a time, so the
// SDK's next retry succeeds without restarting the client.
type recovery struct {
	notice func(string)
	signIn func(ctx context.Context) error
	base   context.Context

	mu      sync.Mutex
	told    bool
	running bool
	// gaveUp is set after a failed sign-in: retrying it on every request
	// would open a browser per SDK retry. `tip-cli auth` elsewhere still
	// recovers, since every fetch re-reads the store.
	gaveUp bool
}

// loginRequired reports whether err means the sign-in is gone, and if so
// tells the user (once) and starts the sign-in (once at a time).
func (r *recovery) loginRequired(err error) bool {
	var lre *session.LoginRequiredError
	if !errors.As(err, &lre) {
		return false
	}
	r.mu.Lock()
	tell := !r.told
	r.told = true
	start := r.signIn != nil && !r.running && !r.gaveUp
	r.running = r.running || start
	r.mu.Unlock()
	if tell {
		// The background refresh may meet this while valid credentials are
		// still being served: say when requests start failing, not that
		// they already do.
		msg := fmt.Sprintf("credential server: %v; requests fail once the credentials in hand expire", lre)
		if start {
			msg = fmt.Sprintf("credential server: %v; starting a sign-in now", lre)
		}
		r.notice(msg)
	}
	if start {
		go r.run()
	}
	return true
}

func (r *recovery) run() {
	err := r.signIn(r.base)
	r.mu.Lock()
	r.running = false
	r.gaveUp = err != nil
	if err == nil {
		r.told = false
	}
	r.mu.Unlock()
	if err != nil {
		r.notice(fmt.Sprintf("credential server: sign-in failed: %v; run `tip-cli auth` in another terminal", err))
		return
	}
	r.notice("credential server: signed in; serving credentials again")
}

// report takes the outcome of a fetch: a sign-in that is gone is told
// (loginRequired), a success lets a later outage be told anew.
func (r *recovery) report(err error) {
	if err == nil {
		r.fetched()
		return
	}
	r.loginRequired(err)
}

// fetched records a successful fetch: a later outage is reported anew.
// Answers from memory do not count: they say nothing about the sign-in.
func (r *recovery) fetched() {
	r.mu.Lock()
	r.told = false
	r.mu.Unlock()
}
