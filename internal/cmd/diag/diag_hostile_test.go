package diag_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tip-cli/tip-cli/internal/diag"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// TestDiagHostileToken runs `diag -j` on a token whose iss and sub carry
// terminal escape sequences and a bidi override: neither the text nor the
// JSON report writes them raw, and the JSON still decodes to the exact
// claim values.
func TestDiagHostileToken(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, true)
	const iss = "https://idp.example/\x1b]0;pwned\x07\x1b[2J"
	const sub = "alice\u202egnp.exe\u009b31m"
	tok := f.mint(t, func(c map[string]any) { c["iss"], c["sub"] = iss, sub })

	// With a profile the token is compared with it; without one its claims
	// are shown as they are: both texts must escape them.
	for _, profile := range []string{"default", "none"} {
		f.k.F.ProfileName = profile
		r := f.run(t, "diag", "--no-live", "-j", tok)
		for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b"} {
			if strings.Contains(r.stdout, bad) || strings.Contains(r.stderr, bad) {
				t.Errorf("profile %s: text report writes %q raw:\n%s", profile, bad, r.stdout)
			}
		}
		if profile == "none" && !strings.Contains(r.stdout, `https://idp.example/\x1b]0;pwned\x07\x1b[2J`) {
			t.Errorf("text report does not show the escaped iss:\n%s", r.stdout)
		}
	}
	f.k.F.ProfileName = "default"

	r := f.run(t, "diag", "--no-live", "--output", "json", "-j", tok)
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b"} {
		if strings.Contains(r.stdout, bad) {
			t.Errorf("JSON report writes %q raw", bad)
		}
	}
	var rep diag.Report
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("JSON report does not decode: %v\n%s", err, r.stdout)
	}
	c, _ := status(rep, diag.IDJWTDecode)
	if c.Data["iss"] != iss || c.Data["sub"] != sub {
		t.Errorf("decoded claims = %q, %q; want the exact values", c.Data["iss"], c.Data["sub"])
	}
}

// TestDiagTokenIssuerNotFetched: without a profile, `diag -j` does not
// contact the unverified token's own issuer unless --fetch-token-issuer
// asks for it, and even then only an issuer URL tip-cli would accept.
func TestDiagTokenIssuerNotFetched(t *testing.T) {
	f := start(t, awsemu.IdentityCenterConfig{}, false)
	var hits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		http.NotFound(w, nil)
	}))
	defer attacker.Close()
	tok := f.mint(t, func(c map[string]any) { c["iss"] = attacker.URL })

	rep, _ := f.report(t, "--no-live", "-j", tok)
	if c, _ := status(rep, diag.IDDiscovery); c.Status != diag.StatusSkip || !strings.Contains(c.Detail, "--fetch-token-issuer") {
		t.Errorf("discovery without the flag = %s %q, want skipped naming the flag", c.Status, c.Detail)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the token's issuer was contacted %d times without --fetch-token-issuer", n)
	}

	rep, _ = f.report(t, "--no-live", "--fetch-token-issuer", "-j", tok)
	if c, _ := status(rep, diag.IDDiscovery); c.Status != diag.StatusFail {
		t.Errorf("discovery with the flag = %s %q, want a failed fetch", c.Status, c.Detail)
	}
	if hits.Load() == 0 {
		t.Error("--fetch-token-issuer did not fetch the token's issuer")
	}

	hits.Store(0)
	evil := f.mint(t, func(c map[string]any) { c["iss"] = "http://127.evil.example/" })
	rep, _ = f.report(t, "--no-live", "--fetch-token-issuer", "-j", evil)
	if c, _ := status(rep, diag.IDDiscovery); c.Status != diag.StatusFail || !strings.Contains(c.Detail, "not a usable issuer URL") {
		t.Errorf("discovery of a non-loopback http iss = %s %q", c.Status, c.Detail)
	}
}
