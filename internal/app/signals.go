package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

// interrupts turns the first SIGINT or SIGTERM into a cancelled context
// (the command winds down: locks released, nothing half-written) and a
// second into an immediate exit, for when winding down itself hangs (an
// unanswered keyring, a blocking read). While a foreground child runs
// (exec), the signals are the child's: exec forwards them, and tip-cli
// neither cancels nor exits until the child is gone.
type interrupts struct {
	errOut io.Writer
	exit   func(code int)

	mu       sync.Mutex
	held     int  // foreground children running
	received bool // a signal already cancelled the context
}

// watch cancels the returned context on the first signal from sigs and
// calls exit on the second; stop ends the watch.
func (in *interrupts) watch(parent context.Context, sigs <-chan os.Signal) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	var once sync.Once
	go func() {
		for {
			select {
			case <-sigs:
				if in.second() {
					// Report's wording and code for a cancelled command.
					fmt.Fprintln(in.errOut, "tip-cli: cancelled")
					in.exit(cmdutil.ExitCancelled)
					return
				}
				cancel()
			case <-done:
				return
			}
		}
	}()
	return ctx, func() { once.Do(func() { close(done); cancel() }) }
}

// second records a signal and reports whether tip-cli must end now.
func (in *interrupts) second() bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.held > 0 {
		return false
	}
	if in.received {
		return true
	}
	in.received = true
	return false
}

// forward leaves signals to a foreground child until release is called.
func (in *interrupts) forward() (release func()) {
	in.mu.Lock()
	in.held++
	in.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			in.mu.Lock()
			in.held--
			in.mu.Unlock()
		})
	}
}
