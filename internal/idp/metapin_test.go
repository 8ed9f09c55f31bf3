package idp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
)

// plantForeignMetadata writes what someone who can write the config
// directory would: idp's discovery document with every endpoint moved to
// a server of theirs, and a JWKS, cached at now for an hour (within the
// cache's bounds, so only the pin can tell). It returns the count of
// requests that server receives.
func plantForeignMetadata(t *testing.T, c *Client, idp *idpemu.IdP, now time.Time) *atomic.Int32 {
	t.Helper()
	var hits atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(evil.Close)
	resp, err := http.Get(idp.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{}
	err = json.NewDecoder(resp.Body).Decode(&doc)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"authorization_endpoint", "token_endpoint", "device_authorization_endpoint", "jwks_uri"} {
		doc[k] = evil.URL + "/" + k
	}
	raw, _ := json.Marshal(doc)
	c.Metadata.save(&metadataEntry{
		Issuer: idp.Issuer(), Discovery: raw, DiscoveryFetched: now, DiscoveryExpires: now.Add(time.Hour),
		JWKSURI: evil.URL + "/jwks_uri", JWKS: json.RawMessage(`{"keys":[]}`), JWKSFetched: now, JWKSExpires: now.Add(time.Hour),
	})
	if e := c.Metadata.load(idp.Issuer()); e.discovery(now) == nil {
		t.Fatal("the planted entry does not read back as fresh")
	}
	return &hits
}

// TestRefreshUsesOnlyPinnedMetadata: a planted cache entry (in bounds, so
// only the pin in the tokens tells it apart) is never used by a refresh,
// whether the tokens carry a pin or predate it; the documents are fetched
// from the issuer again and pinned, and the refresh after that is one
// request again.
func TestRefreshUsesOnlyPinnedMetadata(t *testing.T) {
	t.Parallel()
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "pinned tokens", true: "tokens without a pin"}[legacy]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
			dir := t.TempDir()
			tok := signIn(t, idp, cachedClient(idp, dir, testNow))
			if tok.Metadata == nil || tok.Metadata.DiscoverySHA256 == "" || tok.Metadata.JWKSSHA256 == "" {
				t.Fatalf("sign-in pinned %+v, want both digests", tok.Metadata)
			}
			if legacy {
				tok = &cred.Tokens{RefreshToken: tok.RefreshToken}
			}
			hits := plantForeignMetadata(t, cachedClient(idp, dir, testNow), idp, testNow())
			before := idp.Counts()
			next, err := cachedClient(idp, dir, testNow).Refresh(t.Context(), tok)
			if err != nil {
				t.Fatalf("refresh over a planted cache: %v", err)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("the planted endpoints got %d requests", n)
			}
			if d, j, n := idpRequests(idp, before); d != 1 || j != 1 || n != 1 {
				t.Errorf("refresh made %d discovery, %d JWKS, %d token requests; want 1, 1, 1", d, j, n)
			}
			before = idp.Counts()
			if _, err := cachedClient(idp, dir, testNow).Refresh(t.Context(), next); err != nil {
				t.Fatal(err)
			}
			if d, j, n := idpRequests(idp, before); d != 0 || j != 0 || n != 1 {
				t.Errorf("next refresh made %d discovery, %d JWKS, %d token requests; want 0, 0, 1", d, j, n)
			}
		})
	}
}

// TestSignInIgnoresMetadataCache: a sign-in has no pin to check the cache
// against, so the endpoints the browser and the authorization code go to
// come from the issuer, never from a planted file.
func TestSignInIgnoresMetadataCache(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := cachedClient(idp, t.TempDir(), testNow)
	hits := plantForeignMetadata(t, c, idp, testNow())
	tok := signIn(t, idp, c)
	if n := hits.Load(); n != 0 || tok.Email != "alice@example.com" {
		t.Errorf("sign-in: %d requests to the planted endpoints, user %q", n, tok.Email)
	}
}

// TestMetadataAgeBoundedByFetchTime: whatever expiry a cache file or a pin
// claims, a document is used for at most maxMetadataAge after it was
// fetched, never when its fetch time lies ahead, and never without one
// (files written before the fetch time was recorded).
func TestMetadataAgeBoundedByFetchTime(t *testing.T) {
	t.Parallel()
	now := testNow()
	century := now.AddDate(100, 0, 0)
	for _, tt := range []struct {
		name             string
		fetched, expires time.Time
		want             bool
	}{
		{"fresh", now.Add(-time.Hour), now.Add(time.Hour), true},
		{"100-year expiry, fetched 23 h ago", now.Add(-23 * time.Hour), century, true},
		{"100-year expiry, fetched 25 h ago", now.Add(-25 * time.Hour), century, false},
		{"expired", now.Add(-time.Hour), now, false},
		{"fetched 2 min ahead", now.Add(2 * time.Minute), century, false},
		{"no fetch time", time.Time{}, century, false},
	} {
		e := &metadataEntry{Discovery: json.RawMessage(`{}`), DiscoveryFetched: tt.fetched, DiscoveryExpires: tt.expires,
			JWKSURI: "j", JWKS: json.RawMessage(`{}`), JWKSFetched: tt.fetched, JWKSExpires: tt.expires}
		if got := e.discovery(now) != nil; got != tt.want {
			t.Errorf("%s: cached discovery used = %v", tt.name, got)
		}
		if got := e.jwks("j", now) != nil; got != tt.want {
			t.Errorf("%s: cached JWKS used = %v", tt.name, got)
		}
		if got := pinned(e.Discovery, digest(e.Discovery), tt.fetched, tt.expires, now); got != tt.want {
			t.Errorf("%s: pin holds = %v", tt.name, got)
		}
	}
	if pinned([]byte(`{"a":1}`), digest([]byte(`{"a":2}`)), now, now.Add(time.Hour), now) || pinned([]byte(`{}`), "", now, now.Add(time.Hour), now) {
		t.Error("a document other than the pinned one, or an empty pin, was trusted")
	}
	// The digest is of the form the cache file holds: a document read back
	// (compacted, <>& escaped by encoding/json) matches the one fetched.
	fetched := []byte("{\n  \"jwks_uri\": \"https://i/keys?a=1&b=<2>\"\n}\n")
	stored, _ := json.Marshal(&metadataEntry{Discovery: fetched})
	var back metadataEntry
	if err := json.Unmarshal(stored, &back); err != nil || digest(back.Discovery) != digest(fetched) || digest(fetched) == "" {
		t.Errorf("digest of %s read back as %s differs (%v)", fetched, back.Discovery, err)
	}
}

// TestPinnedMetadataFollowsRotation: when the pinned JWKS lacks the new
// signing key, the refresh refetches it once and the returned pin names
// the new set, so the refresh after is one request again.
func TestPinnedMetadataFollowsRotation(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	dir := t.TempDir()
	clock := testclock.New(testNow())
	tok := signIn(t, idp, cachedClient(idp, dir, clock.Now))
	if err := idp.RotateSigningKey(); err != nil {
		t.Fatal(err)
	}
	next, err := cachedClient(idp, dir, clock.Now).Refresh(t.Context(), tok)
	if err != nil {
		t.Fatal(err)
	}
	if next.Metadata.JWKSSHA256 == tok.Metadata.JWKSSHA256 || next.Metadata.DiscoverySHA256 != tok.Metadata.DiscoverySHA256 {
		t.Errorf("pin after rotation %+v, before %+v: want a new JWKS digest, the same discovery digest", next.Metadata, tok.Metadata)
	}
	before := idp.Counts()
	if _, err := cachedClient(idp, dir, clock.Now).Refresh(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	if d, j, n := idpRequests(idp, before); d+j != 0 || n != 1 {
		t.Errorf("refresh after the rotation made %d discovery, %d JWKS, %d token requests; want 0, 0, 1", d, j, n)
	}
}
