package awsemu

import (
	"sync"
	"time"
)

// The test hooks of the AWS emulation: what tests read (Counts, Requests)
// and how they steer it (FailNext, SetDelay,
// SetRefuseFederationForContext). Every operation goes through begin.

// awsHooks is the hooks' state, under its own lock.
type awsHooks struct {
	mu       sync.Mutex
	counts   map[string]int
	recorded map[string][]Recorded
	failures map[string][]awsFailure
	delays   map[string]time.Duration
}

func newAWSHooks() awsHooks {
	return awsHooks{counts: map[string]int{}, recorded: map[string][]Recorded{},
		failures: map[string][]awsFailure{}, delays: map[string]time.Duration{}}
}

// count adds one to the Counts key k.
func (h *awsHooks) count(k string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[k]++
}

// Counts returns how many calls each operation received (failed ones too).
func (a *AWS) Counts() map[string]int {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	out := make(map[string]int, len(a.hooks.counts))
	for k, v := range a.hooks.counts {
		out[k] = v
	}
	return out
}

// Requests returns the recorded requests of op, oldest first.
func (a *AWS) Requests(op string) []Recorded {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	return append([]Recorded(nil), a.hooks.recorded[op]...)
}

// FailNext makes the next call of op (an operation name as in Counts, or a
// full X-Amz-Target) fail with that AWS error in the op's protocol. Calls
// queue up.
func (a *AWS) FailNext(op string, status int, code, message string) {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	a.hooks.failures[op] = append(a.hooks.failures[op], awsFailure{status: status, code: code, message: message})
}

// SetRefuseFederationForContext makes getSigninToken refuse sessions that
// carry a person: identity-enhanced ones and web identity ones with an
// OriginIdentity (TIP for IAM federation).
func (a *AWS) SetRefuseFederationForContext(refuse bool) {
	a.fed.mu.Lock()
	defer a.fed.mu.Unlock()
	a.fed.refuseContext = refuse
}

// SetDelay makes every call of op wait d before it is answered (0 clears
// it), so tests can kill a client in the middle of the chain.
func (a *AWS) SetDelay(op string, d time.Duration) {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	a.hooks.delays[op] = d
}

// begin counts and records one call of op, pops a queued failure and
// applies the op's delay (outside the lock).
func (a *AWS) begin(op, target string, rec Recorded) (awsFailure, bool) {
	f, failed, delay := a.record(op, target, rec)
	if delay > 0 {
		time.Sleep(delay)
	}
	return f, failed
}

func (a *AWS) record(op, target string, rec Recorded) (awsFailure, bool, time.Duration) {
	h := &a.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	h.counts[op]++
	h.recorded[op] = append(h.recorded[op], rec)
	for _, k := range []string{op, target} {
		if q := h.failures[k]; k != "" && len(q) > 0 {
			h.failures[k] = q[1:]
			return q[0], true, h.delays[op]
		}
	}
	return awsFailure{}, false, h.delays[op]
}
