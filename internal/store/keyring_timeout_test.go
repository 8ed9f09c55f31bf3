package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

// TestKeyringCallBounded (issue 22 item 9): a keyring that never answers (a
// D-Bus socket that accepts and stays silent) fails the call after
// CallTimeout with a clear error, instead of hanging the command.
func TestKeyringCallBounded(t *testing.T) {
	kr := storetest.NewKeyring(storetest.ItemLimit("linux"))
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	kr.OnGet(func(string) { <-hang })
	s := NewKeyringStore(t.TempDir(), kr)
	s.CallTimeout = 50 * time.Millisecond
	start := time.Now()
	_, _, err := s.get(context.Background(), "default#key")
	var te *keyringTimeoutError
	if !errors.As(err, &te) || te.After != 50*time.Millisecond {
		t.Fatalf("get from a silent keyring = %v, want a keyringTimeoutError", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the bounded call took %s", took)
	}
	// The caller's own cancellation stays a cancellation.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.get(ctx, "default#key"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled get = %v, want context.Canceled", err)
	}
}
