package idpemu

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzIdPCheckRedirectURI: whatever is accepted is an http loopback URL
// with a port.
func FuzzIdPCheckRedirectURI(f *testing.F) {
	for _, s := range []string{
		"http://localhost:8090/callback", "http://127.0.0.1:1/", "http://[::1]:80", "https://localhost:1/",
		"http://evil@localhost:1/", "http://localhost:1/#f", "http://localhost.evil:1/", "http://[fe80::1%25lo]:1/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if idpCheckRedirectURI(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("accepted unparsable %q", raw)
		}
		ip := net.ParseIP(u.Hostname())
		if u.Scheme != "http" || u.Port() == "" || u.User != nil ||
			(u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback())) {
			t.Fatalf("accepted %q", raw)
		}
	})
}

// FuzzIdPAuthorize: the authorize endpoint either shows a 400 page or
// redirects to the validated redirect_uri of the request, never elsewhere.
func FuzzIdPAuthorize(f *testing.F) {
	i, err := idpFromOptions(IdPOptions{})
	if err != nil {
		f.Fatal(err)
	}
	i.issuer = "http://127.0.0.1:1"
	h := i.handler()
	f.Add(idpAuthorizeQuery(i).Encode())
	f.Add("client_id=tip-cli-sandbox&redirect_uri=http://evil.example/")
	f.Add("client_id=tip-cli-sandbox&redirect_uri=http://localhost:1/%2F%2Fevil&state=x")
	f.Fuzz(func(t *testing.T, rawQuery string) {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/authorize", nil)
		req.URL.RawQuery = rawQuery
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest:
			if rec.Header().Get("Location") != "" {
				t.Fatal("400 with a Location")
			}
		case http.StatusFound:
			q, _ := url.ParseQuery(rawQuery)
			redirect := q.Get("redirect_uri")
			if idpCheckRedirectURI(redirect) != nil || q.Get("client_id") != i.ClientID() {
				t.Fatalf("redirected for query %q", rawQuery)
			}
			loc, err := url.Parse(rec.Header().Get("Location"))
			want, _ := url.Parse(redirect)
			if err != nil || loc.Scheme != "http" || loc.Host != want.Host || loc.Path != want.Path {
				t.Fatalf("redirected to %q for %q", rec.Header().Get("Location"), redirect)
			}
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// FuzzIdPTokenForm: any token request body gets a JSON answer with 200,
// 400 or 401 and never a server error.
func FuzzIdPTokenForm(f *testing.F) {
	i, err := idpFromOptions(IdPOptions{})
	if err != nil {
		f.Fatal(err)
	}
	i.issuer = "http://127.0.0.1:1"
	h := i.handler()
	f.Add("grant_type=authorization_code&client_id=tip-cli-sandbox&code=x&redirect_uri=http://localhost:1/&code_verifier=" + strings.Repeat("a", 43))
	f.Add("grant_type=refresh_token&client_id=tip-cli-sandbox&refresh_token=x&scope=openid")
	f.Add("grant_type=urn:ietf:params:oauth:grant-type:device_code&client_id=tip-cli-sandbox&device_code=x")
	f.Add("%zz")
	f.Fuzz(func(t *testing.T, body string) {
		for _, path := range []string{"/token", "/device_authorization"} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			h.ServeHTTP(rec, req)
			if rec.Code != 200 && rec.Code != 400 && rec.Code != 401 {
				t.Fatalf("%s: status %d", path, rec.Code)
			}
			if rec.Header().Get("Content-Type") != "application/json" {
				t.Fatalf("%s: content type %q", path, rec.Header().Get("Content-Type"))
			}
		}
	})
}
