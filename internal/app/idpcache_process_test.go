package app

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
	"github.com/tip-cli/tip-cli/internal/testkey"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// mallory is an attacker's IdP: a token endpoint that takes any refresh
// token and answers with an ID token for mallory that claims the victim's
// issuer and client, signed by mallory's key, published at mallory's JWKS.
type mallory struct {
	idp    *idpemu.IdP
	token  *httptest.Server
	stolen atomic.Int32 // refresh tokens posted to mallory's token endpoint
	jwks0  int          // JWKS requests before the plant
}

func newMallory(t *testing.T, victim *idpemu.IdP) *mallory {
	t.Helper()
	m := &mallory{}
	var err error
	m.idp, err = idpemu.NewIdP(idpemu.IdPOptions{Key: testkey.Other(t), Users: []idpemu.User{
		{Subject: "00u-mallory", Email: "mallory@evil.example", Name: "Mallory"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.idp.Close)
	m.token = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ParseForm() == nil && r.PostForm.Get("refresh_token") != "" {
			m.stolen.Add(1)
		}
		idToken, err := m.idp.MintIDToken("mallory@evil.example", func(c map[string]any) {
			c["iss"], c["aud"] = victim.Issuer(), victim.ClientID()
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "mallory-at", "token_type": "Bearer",
			"expires_in": 3600, "refresh_token": "mallory-rt", "id_token": idToken})
	}))
	t.Cleanup(m.token.Close)
	return m
}

// contacted is how many requests reached mallory: token posts and JWKS fetches.
func (m *mallory) contacted() int { return int(m.stolen.Load()) + m.idp.Counts()["jwks"] - m.jwks0 }

// plant writes the reproduction into the config directory dir:
// idp-cache/<sha256(issuer)[:32 hex]>.json holding the victim's discovery
// document with mallory's token endpoint and JWKS, fetched now and valid
// until expires.
func (m *mallory) plant(t *testing.T, dir string, victim *idpemu.IdP, expires time.Time) {
	t.Helper()
	discovery := getJSON(t, victim.Issuer()+"/.well-known/openid-configuration")
	discovery["token_endpoint"] = m.token.URL + "/token"
	discovery["jwks_uri"] = m.idp.Issuer() + "/jwks"
	jwks := getJSON(t, m.idp.Issuer()+"/jwks")
	now := time.Now()
	entry, err := json.Marshal(map[string]any{
		"issuer": victim.Issuer(), "discovery": discovery,
		"discovery_fetched": now, "discovery_expires": expires,
		"jwks_uri": discovery["jwks_uri"], "jwks": jwks,
		"jwks_fetched": now, "jwks_expires": expires,
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(victim.Issuer()))
	cache := filepath.Join(dir, "idp-cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cache, hex.EncodeToString(sum[:16])+".json"), entry, 0o600); err != nil {
		t.Fatal(err)
	}
	// What mallory fetched to build the file does not count as contact.
	m.jwks0 = m.idp.Counts()["jwks"]
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
	return v
}

// TestPlantedIdPCacheNeverGetsTheRefreshToken is the reproduction of issue
// 22 item 1 with real tip-cli processes: someone who can write the config
// directory (not the keyring) plants an IdP metadata cache entry naming
// their own token endpoint and JWKS. The forced refresh must go to the
// real IdP only, and `auth status` must still show the real user; this
// holds whether the planted entry claims a 100-year lifetime or one within
// the cache's own bounds (the store pins what a refresh trusts).
func TestPlantedIdPCacheNeverGetsTheRefreshToken(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	for _, tt := range []struct {
		name    string
		expires time.Duration
	}{
		{"100-year expiry", 100 * 365 * 24 * time.Hour},
		{"expiry within the cache bounds", time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := expiredSession(t)
			m := newMallory(t, k.Env.IdP)
			m.plant(t, k.Dir, k.Env.IdP, time.Now().Add(tt.expires))
			before := k.Env.IdP.Counts()

			r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--force-refresh", "--non-interactive")
			if n := m.contacted(); n != 0 {
				t.Errorf("the refresh made %d requests to the planted endpoints (refresh tokens posted: %d)", n, m.stolen.Load())
			}
			if r[0].code != 0 {
				t.Errorf("refresh over a planted cache: exit %d: %s", r[0].code, r[0].stderr)
			}
			if d := k.Env.IdP.Counts()["token:refresh_token"] - before["token:refresh_token"]; d != 1 {
				t.Errorf("refreshes at the real IdP = %d, want 1", d)
			}
			assertStatusUser(t, k, "alice@example.com")
		})
	}
}

// assertStatusUser checks the user `auth status` shows, from a new process.
func assertStatusUser(t *testing.T, k *testkit.Kit, want string) {
	t.Helper()
	r := runProcs(t, k, 1, "auth", "status", "-o", "json")
	var s struct {
		User string `json:"user"`
	}
	if err := json.Unmarshal([]byte(r[0].stdout), &s); r[0].code != 0 || err != nil || s.User != want {
		t.Errorf("auth status: exit %d, user %q (want %q): %s%s", r[0].code, s.User, want, r[0].stdout, r[0].stderr)
	}
}

// TestRefreshesStayOneIdPRequest: with the metadata pinned beside the
// refresh token, every refresh in a new process is one IdP request (the
// token request), also refresh after refresh and with two profiles that
// signed in apart to the same issuer (one cache file, a pin each).
func TestRefreshesStayOneIdPRequest(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	k.Configure(t, "other")
	for _, p := range []string{"default", "other"} {
		if r := runProcs(t, k, 1, "--profile", p, "auth", "--timeout", "30s"); r[0].code != 0 {
			t.Fatalf("sign-in %s: %s", p, r[0].stderr)
		}
	}
	for round := range 3 {
		for _, p := range []string{"default", "other"} {
			before := k.Env.IdP.Counts()
			r := runProcs(t, k, 1, "--profile", p, "auth", "get-iam-credentials", "--force-refresh", "--non-interactive")
			if r[0].code != 0 {
				t.Fatalf("round %d, %s: exit %d: %s", round, p, r[0].code, r[0].stderr)
			}
			for name, n := range k.Env.IdP.Counts() {
				want := 0
				if name == "token:refresh_token" {
					want = 1
				}
				if d := n - before[name]; d != want {
					t.Errorf("round %d, %s: IdP %s requests %d, want %d", round, p, name, d, want)
				}
			}
		}
	}
}

// TestPlantedIdPCacheWithKeyringStore: the same attack against a profile
// whose secrets (and so the pin) are sealed with a keyring-held key.
func TestPlantedIdPCacheWithKeyringStore(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Store = store.NewKeyringStore(k.Dir, storetest.NewKeyring(store.ItemLimit(runtime.GOOS)))
	k.Configure(t, "default")
	mustRun(t, k, "auth")
	m := newMallory(t, k.Env.IdP)
	m.plant(t, k.Dir, k.Env.IdP, time.Now().Add(time.Hour))
	r := run(t, k, "auth", "get-iam-credentials", "--force-refresh", "--non-interactive")
	if n := m.contacted(); n != 0 || r.code != 0 {
		t.Errorf("refresh: exit %d, %d requests to the planted endpoints: %s", r.code, n, r.stderr)
	}
	b, err := k.Store.Get(t.Context(), "default")
	if err != nil || b == nil || b.IdP == nil || b.IdP.Email != "alice@example.com" || b.IdP.Metadata == nil {
		t.Errorf("stored sign-in after the refresh: %+v, %v; want alice's, with the metadata pin", b, err)
	}
}
