package app

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/testbuf"
)

// TestInterruptsHeld: signals while a foreground child holds them do
// nothing; after release the first only cancels and the second ends
// tip-cli. The state is driven directly: through the watch goroutine a
// send completes before the signal is counted, so a release right after
// it could overtake the count (a test that failed by chance).
func TestInterruptsHeld(t *testing.T) {
	t.Parallel()
	in := &interrupts{}
	release := in.forward()
	inner := in.forward() // exec inside exec: both must end
	for i := range 3 {
		if in.second() {
			t.Fatalf("held signal %d ends tip-cli", i+1)
		}
	}
	release()
	release() // idempotent: must not release the inner hold
	if in.second() {
		t.Fatal("signal while the inner child still holds ends tip-cli")
	}
	inner()
	if in.second() {
		t.Fatal("first signal after release ends tip-cli")
	}
	if !in.second() {
		t.Fatal("second signal after release does not end tip-cli")
	}
}

// TestInterrupts drives the watch through a channel: the first signal
// cancels the context, the second (a SIGTERM counts alike) exits 130 with
// "cancelled". Each step waits for the watch's visible effect before the
// next signal, so the order is fixed.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	errOut := &testbuf.Buffer{}
	exits := make(chan int, 2)
	in := &interrupts{errOut: errOut, exit: func(code int) { exits <- code }}
	sigs := make(chan os.Signal)
	ctx, stop := in.watch(context.Background(), sigs)
	defer stop()

	sigs <- os.Interrupt
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("first signal did not cancel")
	}
	if len(exits) != 0 {
		t.Fatalf("exited on the first signal: %d", <-exits)
	}
	sigs <- syscall.SIGTERM
	select {
	case code := <-exits:
		if code != 130 || errOut.String() != "tip-cli: cancelled\n" {
			t.Errorf("exit %d, stderr %q; want 130, %q", code, errOut.String(), "tip-cli: cancelled\n")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("second signal did not exit")
	}
}
