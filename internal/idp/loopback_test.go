package idp

import (
	"fmt"
	"net"
	"strings"
	"testing"
)

func TestParseRedirect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, wantErr string
	}{
		{"http://localhost:8090/callback", ""},
		{"http://127.0.0.1:8090/cb", ""},
		{"http://[::1]:8090/", ""},
		{"http://localhost:0/callback", ""},
		{"https://localhost:8090/callback", "must look like"},
		{"http://0.0.0.0:8090/callback", "must use localhost"},
		{"http://example.com:8090/callback", "must use localhost"},
		{"http://localhost.example.com:8090/callback", "must use localhost"},
		{"http://127.evil.example:8090/callback", "must use localhost"},
		{"http://[::1%25lo]:8090/callback", "must use localhost"},
		{"http://LocalHost:8090/callback", ""},
		{"http://localhost/callback", "must name a port"},
		{"http://localhost:99999/callback", "must name a port"},
		{"http://user@localhost:8090/callback", "must look like"},
		{"http://localhost:8090/callback#frag", "must look like"},
		{"://nope", "is not a URL"},
	}
	for _, tt := range tests {
		_, err := parseRedirect(tt.raw)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseRedirect(%q) = %v, want %q", tt.raw, err, tt.wantErr)
		}
	}
}

// hasIPv6Loopback reports whether [::1] can be bound here.
func hasIPv6Loopback() bool {
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

func TestListenLoopback(t *testing.T) {
	t.Parallel()
	v6 := hasIPv6Loopback()
	tests := []struct {
		raw       string
		wantAddrs []string // IPs bound, in order
		skip      bool
	}{
		{"http://localhost:0/callback", map[bool][]string{true: {"127.0.0.1", "::1"}, false: {"127.0.0.1"}}[v6], false},
		{"http://127.0.0.1:0/callback", []string{"127.0.0.1"}, false},
		{"http://[::1]:0/callback", []string{"::1"}, !v6},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			if tt.skip {
				t.Skip("no IPv6 loopback on this machine")
			}
			u, err := parseRedirect(tt.raw)
			if err != nil {
				t.Fatal(err)
			}
			lns, got, err := listenLoopback(t.Context(), u)
			if err != nil {
				t.Fatal(err)
			}
			defer closeAll(lns)
			if len(lns) != len(tt.wantAddrs) {
				t.Fatalf("bound %d listeners, want %v", len(lns), tt.wantAddrs)
			}
			port := lns[0].Addr().(*net.TCPAddr).Port
			for i, l := range lns {
				a := l.Addr().(*net.TCPAddr)
				if a.IP.String() != tt.wantAddrs[i] || a.Port != port {
					t.Errorf("listener %d on %v, want %s:%d", i, a, tt.wantAddrs[i], port)
				}
			}
			if want := strings.Replace(tt.raw, ":0/", fmt.Sprintf(":%d/", port), 1); got.String() != want {
				t.Errorf("redirect = %q, want %q", got, want)
			}
		})
	}
}

func TestListenLoopbackKeepsFixedRedirect(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	raw := fmt.Sprintf("http://localhost:%d/callback", port)
	u, err := parseRedirect(raw)
	if err != nil {
		t.Fatal(err)
	}
	lns, got, err := listenLoopback(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	closeAll(lns)
	if got.String() != raw {
		t.Errorf("redirect = %q, want it unchanged %q", got, raw)
	}
}

// TestListenLoopbackIPv6PortInUse: something else on [::1]:PORT would get
// the browser's callback, so the sign-in refuses to start.
func TestListenLoopbackIPv6PortInUse(t *testing.T) {
	t.Parallel()
	if !hasIPv6Loopback() {
		t.Skip("no IPv6 loopback on this machine")
	}
	// A reserved port: a [::1]:0 port is free only on [::1], and another
	// test's 127.0.0.1 listener could hold the same number, failing the
	// check that the 127.0.0.1 side was released.
	port := freePort(t)
	busy, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = busy.Close() }()
	u, err := parseRedirect(fmt.Sprintf("http://localhost:%d/callback", port))
	if err != nil {
		t.Fatal(err)
	}
	lns, _, err := listenLoopback(t.Context(), u)
	if err == nil {
		closeAll(lns)
		t.Fatal("bound although [::1] port is taken")
	}
	if !strings.HasPrefix(err.Error(), fmt.Sprintf("port %d is in use", port)) {
		t.Errorf("err = %v", err)
	}
	// The 127.0.0.1 listener was released.
	l, err := net.Listen("tcp4", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatalf("127.0.0.1 listener leaked: %v", err)
	}
	_ = l.Close()
}
