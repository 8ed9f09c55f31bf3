package idp

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode"

	"github.com/tip-cli/tip-cli/internal/cred"
)

const wantState = "s7a7e-0123456789abcdefghijklmnopqrstuvwxyzABCD"

func TestParseCallback(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		query    string
		wantCode string
		wantErr  any // nil, *callbackError, *strayError (does not end the sign-in), or a message substring
	}{
		{"ok", "code=abc&state=" + wantState, "abc", nil},
		{"ok with extra params", "code=abc&state=" + wantState + "&session_state=x&iss=y", "abc", nil},
		{"state mismatch", "code=abc&state=forged", "", &strayError{}},
		{"state prefix only", "code=abc&state=" + wantState[:10], "", &strayError{}},
		{"state missing", "code=abc", "", &strayError{}},
		{"state empty", "code=abc&state=", "", &strayError{}},
		{"idp error", "error=access_denied&error_description=nope&state=" + wantState, "", &callbackError{"access_denied", "nope"}},
		{"idp error without state", "error=access_denied", "", &strayError{}},
		{"idp error with forged state", "error=access_denied&state=forged", "", &strayError{}},
		{"empty code", "code=&state=" + wantState, "", "code parameter is empty"},
		{"repeated code", "code=a&code=b&state=" + wantState, "", `"code" is repeated`},
		{"repeated error", "error=a&error=b&state=" + wantState, "", `"error" is repeated`},
		{"repeated state", "code=a&state=" + wantState + "&state=" + wantState, "", &strayError{}},
		{"right and forged state", "code=a&state=forged&state=" + wantState, "", &strayError{}},
		{"no code nor error", "state=" + wantState, "", &strayError{}},
		{"empty", "", "", &strayError{}},
		{"malformed escape", "code=%zz&state=" + wantState, "", &strayError{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, err := parseCallback(tt.query, wantState)
			if code != tt.wantCode {
				t.Errorf("code = %q, want %q", code, tt.wantCode)
			}
			switch want := tt.wantErr.(type) {
			case nil:
				if err != nil {
					t.Errorf("err = %v", err)
				}
			case *callbackError:
				var ce *callbackError
				if !errors.As(err, &ce) || *ce != *want {
					t.Errorf("err = %#v, want %#v", err, want)
				}
			case *strayError:
				var se *strayError
				if !errors.As(err, &se) {
					t.Errorf("err = %v, want *strayError", err)
				}
			case string:
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("err = %v, want %q", err, want)
				}
			}
		})
	}
}

// FuzzCallback feeds arbitrary redirect queries to the callback parser: it
// must never panic, must return a code only for a query carrying exactly
// the expected state and one non-empty code and no error, must treat every
// query without exactly that one state as stray (it cannot end the
// sign-in), and its error messages must be single, control-character-free
// lines.
func FuzzCallback(f *testing.F) {
	for _, s := range []string{
		"code=abc&state=" + wantState,
		"error=access_denied&error_description=the+user+said+no&state=" + wantState,
		"error=x%0A%1B%5B31mred&error_description=" + strings.Repeat("%E2%80%AE", 50),
		"code=a&code=b", "state=&code=", "%", ";;;", "code=%00&state=" + wantState,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		code, err := parseCallback(raw, wantState)
		if err == nil {
			q, perr := url.ParseQuery(raw)
			if perr != nil || code == "" || q.Get("state") != wantState || len(q["code"]) != 1 || q.Get("code") != code || q.Has("error") {
				t.Fatalf("accepted %q as code %q", raw, code)
			}
			return
		}
		if code != "" {
			t.Fatalf("code %q returned with error %v", code, err)
		}
		var stray *strayError
		if q, perr := url.ParseQuery(raw); perr == nil && !errors.As(err, &stray) && (len(q["state"]) != 1 || q.Get("state") != wantState) {
			t.Fatalf("%q without this state ends the sign-in: %v", raw, err)
		}
		msg := err.Error()
		if len(msg) > 1000 {
			t.Fatalf("message too long: %d bytes", len(msg))
		}
		for _, r := range msg {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("message has control character %U: %q", r, msg)
			}
		}
	})
}

func TestCallbackHandler(t *testing.T) {
	t.Parallel()
	const secret = "eyJ-secret-id-token"
	h := &callbackHandler{
		ctx:    t.Context(),
		path:   "/callback",
		state:  wantState,
		result: make(chan loginResult, 1),
		complete: func(_ context.Context, code string) (*cred.Tokens, error) {
			if code == "bad" {
				return nil, errors.New(`exchange failed: <script>alert("x")</script>`)
			}
			return &cred.Tokens{IDToken: secret}, nil
		},
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(t *testing.T, method, path string) (int, string) {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, _ := io.ReadAll(resp.Body)
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != http.StatusNotFound && cc != "no-store" {
			t.Errorf("%s: Cache-Control = %q", path, cc)
		}
		return resp.StatusCode, string(b)
	}
	steps := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/favicon.ico", 404, "404 page not found"},
		{"GET", "/callback/x?code=a&state=" + wantState, 404, "404 page not found"},
		{"POST", "/callback?code=a&state=" + wantState, 405, "only accepts"},
		{"GET", "/callback", 400, "only accepts the identity provider"},
		{"GET", "/callback?error=access_denied", 400, "still waiting"},
		{"GET", "/callback?error=access_denied&state=forged", 400, "does not carry this sign-in&#39;s state"},
		{"GET", "/callback?code=a&state=forged", 400, "still waiting"},
		{"GET", "/callback?code=bad&state=" + wantState, 400, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"},
		{"GET", "/callback?code=good&state=" + wantState, 409, "already finished"},
	}
	for _, s := range steps {
		status, body := get(t, s.method, s.path)
		if status != s.status || !strings.Contains(body, s.body) {
			t.Errorf("%s %s = %d %q, want %d containing %q", s.method, s.path, status, body, s.status, s.body)
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, secret) {
			t.Errorf("%s: page leaks unescaped input or a token: %q", s.path, body)
		}
	}
	if n := h.refused.Load(); n != 4 {
		t.Errorf("refused = %d, want the 4 stray requests", n)
	}
	select {
	case res := <-h.result:
		if res.err == nil || !strings.Contains(res.err.Error(), "exchange failed") {
			t.Errorf("first callback result = %v", res.err)
		}
	default:
		t.Fatal("no result after the first callback")
	}
	select {
	case res := <-h.result:
		t.Fatalf("a second callback completed the login too: %v", res.err)
	default:
	}
}

func TestSuccessPage(t *testing.T) {
	t.Parallel()
	h := &callbackHandler{ctx: t.Context(), path: "/", state: wantState, result: make(chan loginResult, 1),
		complete: func(context.Context, string) (*cred.Tokens, error) { return &cred.Tokens{IDToken: "tok"}, nil }}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/?code=c&state="+wantState, nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), "Signed in. You can close this tab.") {
		t.Errorf("page = %d %q", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if res := <-h.result; res.err != nil || res.tokens.IDToken != "tok" {
		t.Errorf("result = %+v", res)
	}
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{&callbackError{Code: "access_denied", Description: "User\ncancelled\x1b[2J"},
			"sign-in was refused by the identity provider: access_denied: User cancelled [2J"},
		{&callbackError{Code: "invalid_scope"}, "sign-in failed at the identity provider: invalid_scope"},
		{&callbackError{Code: "expired_token"}, "the sign-in code expired before it was approved: run the sign-in again"},
		{&RefreshError{Code: "invalid_grant", Description: "token revoked"},
			"the identity provider refused to refresh the sign-in: invalid_grant: token revoked: sign in again"},
		{&discoveryError{Issuer: "https://idp.example", Err: errors.New("dial tcp: refused")},
			"cannot reach identity provider at https://idp.example: dial tcp: refused (check the issuer URL and your network)"},
		{&timeoutError{After: DefaultLoginTimeout}, "timed out after 5m0s waiting for the browser sign-in"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%T: %q, want %q", tt.err, got, tt.want)
		}
	}
	if got := oneLine(strings.Repeat("a", 400), 300); len([]rune(got)) != 301 {
		t.Errorf("oneLine did not cut: %d runes", len([]rune(got)))
	}
	if got := oneLine("a\u202eb", 10); got != "a b" {
		t.Errorf("oneLine kept a bidi override: %q", got)
	}
}
