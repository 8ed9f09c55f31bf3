package awsemu

import (
	"sync"
	"time"
)

// Every operation of the AWS emulation goes through begin, which counts and
// records it, answers a failure queued by a test hook (hooks.go) and applies
// the operation's delay (SetDelay, which `tip-cli demo serve --aws-latency`
// uses). The state lives here; the test hooks that read and steer it are in
// hooks.go, which nothing in a shipped binary calls.

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
