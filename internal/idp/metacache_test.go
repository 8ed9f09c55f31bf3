package idp

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

func TestCacheLifetime(t *testing.T) {
	for _, tt := range []struct {
		header []string
		want   time.Duration
	}{
		{nil, maxMetadataAge},
		{[]string{"public, max-age=3600"}, time.Hour},
		{[]string{"max-age=60"}, minMetadataAge},
		{[]string{"max-age=0"}, minMetadataAge},
		{[]string{"max-age=999999999999"}, maxMetadataAge},
		{[]string{"no-store"}, minMetadataAge},
		{[]string{"public", "no-cache"}, minMetadataAge},
		{[]string{"max-age=-5"}, minMetadataAge},
		{[]string{"max-age=abc"}, minMetadataAge},
		{[]string{`max-age="7200"`}, 2 * time.Hour},
		{[]string{"max-age=7200, max-age=600"}, 10 * time.Minute},
	} {
		h := http.Header{}
		for _, v := range tt.header {
			h.Add("Cache-Control", v)
		}
		if got := cacheLifetime(h); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.header, got, tt.want)
		}
	}
}

// cachedClient is newClient with a metadata cache in dir on clock.
func cachedClient(idp *idpemu.IdP, dir string, clock func() time.Time) *Client {
	c := newClient(idp, testNow)
	c.Metadata = &MetadataCache{Dir: filepath.Join(dir, MetadataCacheDirName), Now: clock}
	return c
}

// idpRequests returns how many discovery, JWKS and token requests the IdP
// served since before.
func idpRequests(idp *idpemu.IdP, before map[string]int) (discovery, jwks, token int) {
	now := idp.Counts()
	tokens := 0
	for k, v := range now {
		if len(k) > 6 && k[:6] == "token:" {
			tokens += v - before[k]
		}
	}
	return now["discovery"] - before["discovery"], now["jwks"] - before["jwks"], tokens
}

func TestRefreshWithMetadataCacheIsOneIdPRequest(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow, MetadataMaxAge: 2 * time.Hour})
	dir := t.TempDir()
	clock := testclock.New(testNow())
	tok := signIn(t, idp, cachedClient(idp, dir, clock.Now))
	refresh := func(wantDiscovery, wantJWKS int) {
		t.Helper()
		before := idp.Counts()
		// A new Client per refresh: every credential_process call is a new process.
		next, err := cachedClient(idp, dir, clock.Now).Refresh(t.Context(), tok)
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		tok = next
		d, j, n := idpRequests(idp, before)
		if d != wantDiscovery || j != wantJWKS || n != 1 {
			t.Errorf("refresh made %d discovery, %d JWKS, %d token requests; want %d, %d, 1", d, j, n, wantDiscovery, wantJWKS)
		}
	}
	refresh(0, 0) // warm cache: only the token request
	clock.Advance(time.Hour)
	refresh(0, 0) // the hourly refresh, within the IdP's max-age
	clock.Advance(90 * time.Minute)
	refresh(1, 1) // past max-age: both refetched
	if err := idp.RotateSigningKey(); err != nil {
		t.Fatal(err)
	}
	refresh(0, 1) // unknown kid: the JWKS is refetched at once
	refresh(0, 0)
	fi, err := os.Stat(filepath.Join(dir, MetadataCacheDirName))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache dir: %v %v", fi, err)
	}
}

func TestMetadataCacheBounds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		maxAge  time.Duration
		advance time.Duration
		refetch bool
	}{
		{"max-age below 5 min is raised to 5 min", time.Second, 4 * time.Minute, false},
		{"... and expires then", time.Second, 6 * time.Minute, true},
		{"max-age over 24 h is cut to 24 h", 72 * time.Hour, 23 * time.Hour, false},
		{"never past 24 h", 72 * time.Hour, 25 * time.Hour, true},
		{"no Cache-Control: 24 h", -1, 25 * time.Hour, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow, MetadataMaxAge: tt.maxAge})
			dir := t.TempDir()
			clock := testclock.New(testNow())
			tok := signIn(t, idp, cachedClient(idp, dir, clock.Now))
			clock.Advance(tt.advance)
			before := idp.Counts()
			if _, err := cachedClient(idp, dir, clock.Now).Refresh(t.Context(), tok); err != nil {
				t.Fatal(err)
			}
			d, j, _ := idpRequests(idp, before)
			if got := d == 1 && j == 1; got != tt.refetch || d != j {
				t.Errorf("discovery %d, JWKS %d requests; want refetch=%v", d, j, tt.refetch)
			}
		})
	}
}

func TestMetadataCacheRefetchesOnBadSignatureAndIgnoresGarbage(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	dir := t.TempDir()
	c := cachedClient(idp, dir, testNow)
	tok := signIn(t, idp, c)
	path := c.Metadata.path(idp.Issuer())
	// A cached JWKS whose key has the right kid but the wrong value (as
	// after a rotation that kept the kid): verification fails, refetch.
	// (Sandboxes share test keys now, so the foreign key is testkey.Other.)
	other := newSandbox(t, idpemu.IdPOptions{Now: testNow, Key: testkey.Other(t)})
	e := c.Metadata.load(idp.Issuer())
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	_ = json.Unmarshal(e.JWKS, &set)
	kid := set.Keys[0]["kid"]
	resp, err := http.Get(other.Issuer() + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&set)
	resp.Body.Close()
	set.Keys[0]["kid"] = kid
	e.JWKS, _ = json.Marshal(set)
	c.Metadata.save(e)
	before := idp.Counts()
	tok, err = cachedClient(idp, dir, testNow).Refresh(t.Context(), tok)
	if err != nil {
		t.Fatalf("refresh with a stale key under the same kid: %v", err)
	}
	if _, j, _ := idpRequests(idp, before); j != 1 {
		t.Errorf("%d JWKS requests, want 1 refetch", j)
	}
	// A corrupt or foreign cache file is ignored.
	for _, garbage := range []string{"{", `{"issuer":"http://evil.example"}`, ""} {
		if err := os.WriteFile(path, []byte(garbage), 0o600); err != nil {
			t.Fatal(err)
		}
		if tok, err = cachedClient(idp, dir, testNow).Refresh(t.Context(), tok); err != nil {
			t.Fatalf("refresh over cache %q: %v", garbage, err)
		}
	}
}

func TestCachedDiscoveryChecksIssuer(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := cachedClient(idp, t.TempDir(), testNow)
	c.Issuer = idp.Issuer() + "/"
	if _, err := c.discover(t.Context(), nil); err == nil {
		t.Fatal("a discovery document for another issuer string was accepted")
	}
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"issuer":"https://i","discovery":{"issuer":"https://i"},"jwks":{"keys":[]}}`))
	f.Add([]byte(`{"issuer":"https://i","authorization_endpoint":"a","token_endpoint":"t","jwks_uri":"j"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if e := parseMetadataEntry(data, "https://i"); e != nil {
			_ = e.discovery(time.Now())
			_ = e.jwks("j", time.Now())
		}
		_, _ = parseDiscovery(data, "https://i")
	})
}

// TestMetadataCacheRefusesSymlinkedDir: an idp-cache/ that is a symbolic
// link (issue 22 item 8) is neither followed nor chmod'ed: nothing is
// written through it and its target keeps its mode.
func TestMetadataCacheRefusesSymlinkedDir(t *testing.T) {
	t.Parallel()
	dir, target := t.TempDir(), t.TempDir()
	if err := os.Chmod(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(dir, MetadataCacheDirName)); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	c := &MetadataCache{Dir: filepath.Join(dir, MetadataCacheDirName)}
	c.save(&metadataEntry{Issuer: "https://idp.example", Discovery: json.RawMessage(`{}`)})
	fi, err := os.Stat(target)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("link target: %v, %v; want mode 0755 kept", fi, err)
	}
	if names, _ := os.ReadDir(target); len(names) != 0 {
		t.Errorf("written through the link: %v", names)
	}
	// A regular file in its place is left alone too.
	file := filepath.Join(t.TempDir(), MetadataCacheDirName)
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	(&MetadataCache{Dir: file}).save(&metadataEntry{Issuer: "https://idp.example"})
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o644 {
		t.Errorf("file in place of the directory: %v, %v", fi, err)
	}
}

// TestMetadataCacheNotReadThroughSymlink: a cache directory replaced by a
// link to a copy of itself is not read (the refresh fetches both
// documents) and not written.
func TestMetadataCacheNotReadThroughSymlink(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	dir, target := t.TempDir(), filepath.Join(t.TempDir(), "elsewhere")
	tok := signIn(t, idp, cachedClient(idp, dir, testNow))
	cache := filepath.Join(dir, MetadataCacheDirName)
	if err := os.Rename(cache, target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, cache); err != nil {
		t.Skipf("symlinks: %v", err)
	}
	names, _ := os.ReadDir(target)
	before := idp.Counts()
	if _, err := cachedClient(idp, dir, testNow).Refresh(t.Context(), tok); err != nil {
		t.Fatal(err)
	}
	if d, j, n := idpRequests(idp, before); d != 1 || j != 1 || n != 1 {
		t.Errorf("refresh made %d discovery, %d JWKS, %d token requests; want 1, 1, 1 (the linked cache unread)", d, j, n)
	}
	if after, _ := os.ReadDir(target); len(after) != len(names) {
		t.Errorf("the link target changed: %v, was %v", after, names)
	}
}
