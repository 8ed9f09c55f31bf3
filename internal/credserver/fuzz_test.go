package credserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// FuzzCheck feeds arbitrary Host, Authorization, Origin and path values to
// the request checks: only the exact token on the exact host (with or
// without its port) and path, without browser headers, is ever let through.
func FuzzCheck(f *testing.F) {
	const token, host = "tok-0123456789abcdefghijklmnopqrstuvwxyzABCDE", "127.0.0.1:4321"
	f.Add(host, token, "", Path)
	f.Add("localhost:4321", token, "", Path)
	f.Add("127.0.0.1", token, "", Path)
	f.Add("localhost", token, "", Path)
	f.Add(host, token, "null", Path)
	f.Add(host, token+" ", "", Path)
	f.Add(host, "", "", "/")
	s := newServer(context.Background(), host, Config{Token: token, Endpoints: map[string]Endpoint{Path: {
		Fresh:  func(time.Time, *cred.Credentials) bool { return true },
		Source: func(context.Context) (*cred.Credentials, error) { return nil, context.Canceled },
	}}})
	f.Fuzz(func(t *testing.T, h, auth, origin, path string) {
		r := httptest.NewRequest(http.MethodGet, "http://x/", nil)
		r.Host, r.URL.Path = h, path
		r.Header.Set("Authorization", auth)
		if origin != "" {
			r.Header.Set("Origin", origin)
		}
		ok := s.check(r) == nil
		want := (h == host || h == "127.0.0.1") && auth == token && r.Header.Get("Origin") == "" && path == Path
		if ok != want {
			t.Fatalf("check(host=%q auth=%q origin=%q path=%q) passed=%v, want %v", h, auth, origin, path, ok, want)
		}
	})
}
