package demo

import (
	"net/url"
	"strconv"
	"testing"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// TestFreeRedirectURIBelowEphemeralRange: the demo's callback port is not
// one the kernel hands out by itself (listen :0, outgoing connections),
// which another program could take before the sign-in binds it.
func TestFreeRedirectURIBelowEphemeralRange(t *testing.T) {
	e := loopback.EphemeralLow()
	if e == 0 {
		t.Skip("the kernel's ephemeral range is unknown here")
	}
	for range 5 {
		raw, err := freeRedirectURI()
		if err != nil {
			t.Fatal(err)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Hostname() != "127.0.0.1" || u.Path != "/callback" {
			t.Fatalf("redirect %q: %v", raw, err)
		}
		if port, _ := strconv.Atoi(u.Port()); port < e-2000 || port >= e {
			t.Errorf("port %d, want it in the 2000 ports below the ephemeral range (from %d)", port, e)
		}
	}
}
