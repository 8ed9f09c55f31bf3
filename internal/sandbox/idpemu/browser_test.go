package idpemu

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestFakeBrowser(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	callback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Query().Get("error") != "" {
			http.Error(w, "sign-in failed: "+r.URL.Query().Get("error"), http.StatusForbidden)
			return
		}
		_, _ = w.Write([]byte("<html><body>You are signed in.</body></html>"))
	}))
	defer callback.Close()
	port := callback.URL[strings.LastIndex(callback.URL, ":")+1:]
	i := idpStart(t, IdPOptions{})
	authURL := func(redirect string) string {
		q := idpAuthorizeQuery(i)
		q.Set("redirect_uri", redirect)
		q.Set("state", "secret-state")
		return i.Issuer() + "/authorize?" + q.Encode()
	}
	tests := []struct {
		name     string
		deny     bool
		url      string
		client   *http.Client
		wantErr  string // substring; "" means success
		wantHits int32
	}{
		{"reaches localhost callback", false, authURL("http://localhost:" + port + "/callback"), nil, "", 1},
		{"reaches 127.0.0.1 callback", false, authURL("http://127.0.0.1:" + port + "/callback"), &http.Client{Timeout: 5 * time.Second}, "", 1},
		{"callback rejects the error", true, authURL("http://localhost:" + port + "/callback"), nil, "status 403", 1},
		{"idp error page", false, authURL("http://evil.example/callback"), nil, "status 400", 0},
		{"nothing listening", false, "http://127.0.0.1:1/authorize?code=secret", nil, "127.0.0.1:1/authorize", 0},
		{"bad url", false, "::", nil, "fake browser", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits.Store(0)
			if tt.deny {
				i.DenyNext("access_denied")
			}
			err := FakeBrowser(context.Background(), tt.client, tt.url)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("FakeBrowser: %v", err)
			}
			if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("FakeBrowser err = %v, want %q", err, tt.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "code=")) {
				t.Fatalf("error leaks the query: %v", err)
			}
			if got := hits.Load(); got != tt.wantHits {
				t.Fatalf("callback hits = %d, want %d", got, tt.wantHits)
			}
		})
	}
}

func TestFakeBrowserHonoursContext(t *testing.T) {
	t.Parallel()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer slow.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := FakeBrowser(ctx, nil, slow.URL+"/?"+url.Values{"code": {"x"}}.Encode()); err == nil {
		t.Fatal("FakeBrowser succeeded past its context")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("FakeBrowser ignored the context deadline")
	}
}

func TestBrowserText(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"<html><body><h1>Error</h1><p>bad   thing</p></body></html>", "Error bad thing"},
		{"plain", "plain"},
		{strings.Repeat("a", 300), strings.Repeat("a", 200) + "…"},
	}
	for _, tt := range tests {
		if got := browserText([]byte(tt.in)); got != tt.want {
			t.Errorf("browserText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
