//go:build linux || darwin

package idp

import (
	"net"
	"syscall"
	"testing"
)

// TestListenerReuseAddr confirms what back-to-back sign-ins rely on: the Go
// runtime sets SO_REUSEADDR on the callback listeners, so a port with
// connections in TIME_WAIT binds again at once.
func TestListenerReuseAddr(t *testing.T) {
	t.Parallel()
	u, err := parseRedirect("http://localhost:0/callback")
	if err != nil {
		t.Fatal(err)
	}
	lns, _, err := listenLoopback(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer closeAll(lns)
	for _, l := range lns {
		rc, err := l.(*net.TCPListener).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		var v int
		var serr error
		if err := rc.Control(func(fd uintptr) {
			v, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR)
		}); err != nil || serr != nil {
			t.Fatalf("getsockopt: %v %v", err, serr)
		}
		if v == 0 {
			t.Errorf("%v: SO_REUSEADDR is off", l.Addr())
		}
	}
}
