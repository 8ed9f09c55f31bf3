package idp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/idp"
)

// countingTransport counts the requests a client sends, by method and path.
type countingTransport struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.n[req.Method+" "+req.URL.Path]++
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(req)
}

func (c *countingTransport) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

// TestRealProviderRefreshWithMetadataCache: against the certified IdP
// (which sends no Cache-Control on its metadata), a refresh in a new
// process with a warm cache is exactly one request, the token request
// (the cached documents read back with the digests pinned at sign-in); a
// cached JWKS that no longer holds the signing key (a rotation, or a
// planted file: its digest no longer matches the pin) is refetched once
// and the refresh succeeds.
func TestRealProviderRefreshWithMetadataCache(t *testing.T) {
	issuer := realProviderIssuer(t)
	dir := t.TempDir()
	counter := &countingTransport{n: map[string]int{}}
	client := func() *idp.Client {
		c := realProviderClient(issuer, "http://127.0.0.1:0/callback")
		c.HTTPClient.Transport = counter
		c.Metadata = &idp.MetadataCache{Dir: filepath.Join(dir, idp.MetadataCacheDirName)}
		return c
	}
	tok := realProviderLogin(t, client())
	t.Logf("sign-in requests: %v", counter.take())
	ctx := context.Background()

	tok, err := client().Refresh(ctx, tok)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	// Paths differ by layout (/token, or /oauth2/default/v1/token with --okta).
	if n := counter.take(); len(n) != 1 || total(n, "POST ") != 1 {
		t.Errorf("refresh with a warm cache made %v, want exactly 1 token request", n)
	}

	plantStaleJWKS(t, filepath.Join(dir, idp.MetadataCacheDirName))
	if _, err := client().Refresh(ctx, tok); err != nil {
		t.Fatalf("refresh after the signing key changed: %v", err)
	}
	n := counter.take()
	if total(n, "POST ") != 1 || total(n, "GET ") != 1 || total(n, "GET ", "openid-configuration") != 0 {
		t.Errorf("refresh over a stale JWKS made %v, want 1 token + 1 JWKS request", n)
	}
	t.Logf("refresh over a stale JWKS: %v", n)
}

// total sums the counts of requests starting with prefix (and containing
// every one of parts).
func total(n map[string]int, prefix string, parts ...string) int {
	sum := 0
	for k, v := range n {
		ok := strings.HasPrefix(k, prefix)
		for _, p := range parts {
			ok = ok && strings.Contains(k, p)
		}
		if ok {
			sum += v
		}
	}
	return sum
}

// plantStaleJWKS replaces the cached JWKS with a foreign key under the
// same kid, as if the provider had rotated its key since.
func plantStaleJWKS(t *testing.T, cacheDir string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(cacheDir, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files %v, want 1", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var entry map[string]json.RawMessage
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &entry); err != nil || json.Unmarshal(entry["jwks"], &set) != nil || len(set.Keys) == 0 {
		t.Fatalf("cache file: %v / %s", err, data)
	}
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	for i := range set.Keys {
		set.Keys[i].Key = &key.PublicKey
		set.Keys[i].Algorithm = string(jose.RS256)
	}
	entry["jwks"], _ = json.Marshal(set)
	data, _ = json.Marshal(entry)
	if err := os.WriteFile(files[0], data, 0o600); err != nil {
		t.Fatal(err)
	}
}
