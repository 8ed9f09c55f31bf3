package server_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// TestEveryRouteHandled: each route of the API table reaches its handler
// in standalone mode over HTTP and in Lambda mode's core, never 404
// NotFound, 405 or 501 (issue 25: the table is the one list of routes).
func TestEveryRouteHandled(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	srv := httptest.NewServer(f.standalone(t, time.Now, nil))
	t.Cleanup(srv.Close)
	for _, rt := range api.Routes() {
		var body []byte
		if rt.Method == http.MethodPost {
			body = mustJSON(t, f.registration())
		}
		req, err := http.NewRequest(rt.Method, srv.URL+rt.Path, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if !rt.Public {
			req.Header.Set("Authorization", f.presignFor(t, f.sc.AppCredentials(time.Hour),
				callerauth.Binding{Method: rt.Method, Path: rt.Path, Body: body}, time.Now()))
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if unrouted(resp.StatusCode, b) {
			t.Errorf("standalone %s: %d %s", rt.Key(), resp.StatusCode, b)
		}
		r := f.do(t, f.app, rt.Method, rt.Path, nil, string(body))
		if unrouted(r.Status, r.Body) {
			t.Errorf("service %s: %d %s", rt.Key(), r.Status, r.Body)
		}
	}
}

// unrouted reports an answer of the router itself: no such route.
func unrouted(status int, body []byte) bool {
	return status == 405 || status == 501 || status == 404 && bytes.Contains(body, []byte(`"NotFound"`))
}
