package loopback

import (
	"net"
	"strings"
	"testing"
)

func TestIsHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"LocalHost", true},
		{"127.0.0.1", true},
		{"127.1.2.3", true},
		{"::1", true},
		{"::ffff:127.0.0.1", true},
		{"127.evil.example", false},
		{"127.0.0.1.nip.io", false},
		{"localhost.example", false},
		{"evil-localhost", false},
		{"::1%lo0", false},
		{"[::1]", false},
		{"0.0.0.0", false},
		{"::", false},
		{"10.0.0.1", false},
		{"169.254.169.254", false},
		{"", false},
		{"127.0.0.1:8090", false},
	} {
		if got := IsHost(tc.host); got != tc.want {
			t.Errorf("IsHost(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

// FuzzIsHost cross-checks IsHost against the standard library's own
// parser: true only for "localhost" or what net.ParseIP reads as loopback.
func FuzzIsHost(f *testing.F) {
	for _, s := range []string{"localhost", "127.0.0.1", "::1", "127.evil.example", "::ffff:127.0.0.1", "::1%lo0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		ip := net.ParseIP(host)
		want := strings.EqualFold(host, "localhost") || (ip != nil && ip.IsLoopback())
		if got := IsHost(host); got != want {
			t.Fatalf("IsHost(%q) = %v, net.ParseIP says loopback = %v", host, got, want)
		}
	})
}
