package app

import (
	"context"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/testbuf"
)

// TestInterrupts drives the signal watch with an injected channel: signals
// while a child holds them do nothing; after release the first cancels
// and the second (a SIGTERM counts alike) exits 130 with "cancelled".
// Each send on the unbuffered channel completes only once the watch took
// the previous one in hand.
func TestInterrupts(t *testing.T) {
	t.Parallel()
	errOut := &testbuf.Buffer{}
	exits := make(chan int, 2)
	in := &interrupts{errOut: errOut, exit: func(code int) { exits <- code }}
	sigs := make(chan os.Signal)
	ctx, stop := in.watch(context.Background(), sigs)
	defer stop()

	release := in.forward()
	for range 3 {
		sigs <- os.Interrupt
	}
	release()
	release()            // idempotent
	sigs <- os.Interrupt // handled once the next send completes
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("first signal after release did not cancel")
	}
	if len(exits) != 0 {
		t.Fatalf("exited on signals held by a child or on the first: %d", <-exits)
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
