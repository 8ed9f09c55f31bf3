// Package testhttp keeps one test's httptest.Server from breaking another
// test's requests.
//
// httptest.Server.Close calls http.DefaultTransport.CloseIdleConnections()
// for its users' convenience. Every client built without a Transport (the
// product's default clients, the sandbox's, most test clients) shares
// DefaultTransport's pool of idle connections, and a Close in one parallel
// test can tear down a pooled connection just as another test's request
// takes it: the request fails with "net/http: HTTP/1.x transport
// connection broken: http: CloseIdleConnections called" (a known flake
// class of Go test suites; one failed CI here). The cure is a pool that
// holds nothing to close.
package testhttp

import "net/http"

// NoSharedIdleConns turns off keep-alives on http.DefaultTransport, so it
// never holds an idle connection for httptest.Server.Close to close under
// another test. It stays an *http.Transport: product code that clones it
// (the broker's STS pool, the JWKS policy client) still can, and inherits
// the setting in tests only. Call it from an init function of every test
// package that starts httptest servers (a depcheck test enforces it);
// the test binary is still single-threaded then.
func NoSharedIdleConns() {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.DisableKeepAlives = true
	}
}
