// Package testport hands tests a loopback TCP port that stays theirs until
// the test ends, for the places that must name a port before a child binds
// it (a registered redirect URI, a port that must refuse connections).
//
// Asking the kernel for a free port (listen on :0, close, hand the number
// on) loses a race under load: before the child binds it, the kernel gives
// the same port to another test's outgoing connection or :0 listener, and
// the sign-in fails with "port in use" by chance. So ports come from below
// the kernel's ephemeral range (which it never hands out by itself), and a
// port is claimed across test processes (go test runs packages in
// parallel) by an exclusive lock on a file named after it, held until the
// test's cleanup.
package testport

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// Reserved ports come from [low, low+span), below Linux's default ephemeral
// range (32768–60999); loopback.EphemeralLow reads the machine's actual range.
const (
	low  = 20000
	span = 10000
)

var next atomic.Uint32

// Free returns a loopback port no other test holds and nothing listens on
// now, reserved for t until its cleanup. Nothing is listening on it: the
// caller's child binds it, or a test expects connections to be refused.
func Free(t testing.TB) int {
	t.Helper()
	lo, hi := low, low+span
	if e := loopback.EphemeralLow(); e > 0 && e < hi {
		hi = e
		if hi-lo < 1000 {
			lo = max(1024, hi-span)
		}
	}
	// Per user: another user's directory would refuse our lock files.
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("tip-cli-testports-%d", os.Getuid()))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("testport: %v", err)
	}
	// Start at a point spread by pid so parallel test binaries rarely
	// probe the same ports; the lock decides when they do.
	start := (os.Getpid()*997 + int(next.Add(1))*13) % (hi - lo)
	for i := range hi - lo {
		port := lo + (start+i)%(hi-lo)
		release, ok := claim(filepath.Join(dir, strconv.Itoa(port)))
		if !ok {
			continue
		}
		if !bindable(port) {
			release()
			continue
		}
		t.Cleanup(release)
		return port
	}
	t.Fatalf("testport: no free port in %d-%d", lo, hi)
	return 0
}

// RedirectURI returns a loopback redirect URI on a port reserved by Free.
func RedirectURI(t testing.TB) string {
	t.Helper()
	return "http://127.0.0.1:" + strconv.Itoa(Free(t)) + "/callback"
}

// bindable reports whether port can be bound on both loopback addresses
// (a sign-in listens on 127.0.0.1 and [::1]).
func bindable(port int) bool {
	p := strconv.Itoa(port)
	l4, err := net.Listen("tcp4", "127.0.0.1:"+p)
	if err != nil {
		return false
	}
	defer l4.Close()
	l6, err := net.Listen("tcp6", "[::1]:"+p)
	if err == nil {
		l6.Close()
		return true
	}
	// No IPv6 loopback: 127.0.0.1 alone is what a sign-in binds.
	return !errors.Is(err, syscall.EADDRINUSE)
}
