package testport

import (
	"net"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

func TestFreeReservesDistinctBindablePorts(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		p := Free(t)
		if seen[p] {
			t.Fatalf("port %d handed out twice while reserved", p)
		}
		seen[p] = true
		if e := loopback.EphemeralLow(); e > 0 && p >= e {
			t.Errorf("port %d is in the kernel's ephemeral range (from %d)", p, e)
		}
		l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Fatalf("reserved port %d cannot be bound: %v", p, err)
		}
		l.Close()
	}
}

// TestClaimExcludes: a claimed file cannot be claimed again (a lock held
// through another open file, as another test binary would) until released.
func TestClaimExcludes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "4242")
	release, ok := claim(path)
	if !ok {
		t.Fatal("first claim refused")
	}
	if _, ok := claim(path); ok {
		t.Fatal("second claim granted while the first holds the port")
	}
	release()
	again, ok := claim(path)
	if !ok {
		t.Fatal("claim refused after release")
	}
	again()
}

func TestFreeSkipsBoundPorts(t *testing.T) {
	p := Free(t)
	l, err := net.Listen("tcp4", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if bindable(p) {
		t.Fatalf("port %d reported bindable while a listener holds it", p)
	}
}
