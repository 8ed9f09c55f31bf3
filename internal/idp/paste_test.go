package idp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
)

// redirectFromIdP plays the person's browser up to the failed redirect:
// it follows authURL at the IdP and returns the Location the IdP sends
// back to the loopback callback, without requesting it.
func redirectFromIdP(authURL string) (string, error) {
	resp, err := noFollow().Get(authURL)
	if err != nil {
		return "", err
	}
	_ = resp.Body.Close()
	loc := resp.Header.Get("Location")
	if u, err := url.Parse(loc); err != nil || u.Query().Get("code") == "" {
		return "", fmt.Errorf("the IdP did not redirect with a code (status %d)", resp.StatusCode)
	}
	return loc, nil
}

// TestLoginPaste: the paste flow with a stand-in person who signs in and
// pastes what the browser's address bar shows, edited per case. A paste
// that is not this sign-in's redirect ends the sign-in with one line and
// no code exchange; blank lines are skipped.
func TestLoginPaste(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    func(loc string) []string // the lines pasted
		wantErr string                    // "" = signed in
		exchang int                       // codes exchanged at the IdP
	}{
		{"the address as shown", func(l string) []string { return []string{"", "  " + l + "  "} }, "", 1},
		{"127.0.0.1 for localhost", func(l string) []string { return []string{strings.Replace(l, "localhost", "127.0.0.1", 1)} }, "", 1},
		{"wrong state", func(l string) []string { return []string{strings.Replace(l, "state=", "state=x", 1)} },
			"pasted URL refused: it belongs to another sign-in (its state does not match this one's)", 0},
		{"truncated before the query", func(l string) []string { return []string{l[:strings.Index(l, "?")]} },
			"pasted URL refused: it is not a whole URL with a query", 0},
		{"not a URL", func(string) []string { return []string{"code=abc"} }, "pasted URL refused: it is not a whole URL", 0},
		{"code missing", func(l string) []string { return []string{strings.Replace(l, "code=", "c=", 1)} },
			"pasted URL refused: not an authorization response: it has neither code nor error", 0},
		{"another path", func(l string) []string { return []string{strings.Replace(l, "/callback", "/other", 1)} },
			`pasted URL refused: its path is "/other", not the sign-in's redirect path "/callback"`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
			c := newClient(idp, testNow)
			pasted := make(chan string)
			var personErr error
			var code string
			open := func(ctx context.Context, authURL string) error {
				go func() {
					loc, err := redirectFromIdP(authURL)
					if err != nil {
						personErr = err
						close(pasted)
						return
					}
					u, _ := url.Parse(loc)
					code = u.Query().Get("code")
					for _, line := range tt.edit(loc) {
						select {
						case pasted <- line:
						case <-ctx.Done():
							return
						}
					}
				}()
				return nil
			}
			toks, err := c.Login(t.Context(), LoginOptions{OpenURL: open, Pasted: pasted, Timeout: 5 * time.Second})
			if personErr != nil {
				t.Fatal(personErr)
			}
			if tt.wantErr == "" {
				if err != nil || toks.Subject != "00u-alice" {
					t.Fatalf("login = %+v, %v; want alice", toks, err)
				}
			} else {
				var pe *pasteError
				if !errors.As(err, &pe) || !strings.HasPrefix(err.Error(), tt.wantErr) || toks != nil {
					t.Fatalf("login error = %v, want a *pasteError starting %q", err, tt.wantErr)
				}
				if code == "" || strings.Contains(err.Error(), code) {
					t.Errorf("error repeats the pasted text: %q", err)
				}
			}
			if n := idp.Counts()["token:authorization_code"]; n != tt.exchang {
				t.Errorf("codes exchanged = %d, want %d", n, tt.exchang)
			}
		})
	}
}

// TestLoginPasteLoopbackStillWins: while the paste flow waits for a paste,
// the loopback listener completes the sign-in when the redirect reaches it
// (a forwarded port); a paste arriving afterwards changes nothing.
func TestLoginPasteLoopbackStillWins(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	pasted := make(chan string, 1)
	toks, err := c.Login(t.Context(), LoginOptions{Pasted: pasted, Timeout: 10 * time.Second,
		OpenURL: func(ctx context.Context, authURL string) error {
			return idpemu.FakeBrowser(ctx, &http.Client{Timeout: 10 * time.Second}, authURL)
		}})
	if err != nil || toks.Subject != "00u-alice" {
		t.Fatalf("login = %+v, %v", toks, err)
	}
	if n := idp.Counts()["token:authorization_code"]; n != 1 {
		t.Errorf("codes exchanged = %d, want 1", n)
	}
}

// TestLoginPasteInputEnds: the paste input ending (EOF) does not end the
// sign-in: the loopback can still deliver until the timeout.
func TestLoginPasteInputEnds(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	pasted := make(chan string)
	close(pasted)
	_, err := c.Login(t.Context(), LoginOptions{Pasted: pasted, Timeout: 300 * time.Millisecond})
	var te *timeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *timeoutError", err)
	}
}

// FuzzParsePasted: any pasted line is either refused with a *pasteError
// (whose message never holds the pasted query), ends the sign-in as the
// IdP's or a malformed response (right state only), or yields a code from
// a URL carrying exactly this sign-in's state on the callback path.
func FuzzParsePasted(f *testing.F) {
	const state = "s-123"
	f.Add("http://localhost:8090/callback?code=abc&state=s-123")
	f.Add("http://127.0.0.1:8090/callback?state=s-123&error=access_denied")
	f.Add("http://localhost:8090/callback?code=abc&state=other")
	f.Add("localhost:8090/callback?code=a")
	f.Add("http://[::1]:8090/x%1b[2J?code=a&state=s-123")
	f.Fuzz(func(t *testing.T, line string) {
		code, err := parsePasted(line, "/callback", state)
		var pe *pasteError
		switch {
		case errors.As(err, &pe):
			if q := strings.TrimSpace(line); strings.Contains(q, "?") && len(q) > 40 && strings.Contains(err.Error(), q) {
				t.Fatalf("error repeats the pasted line: %q", err)
			}
		case err != nil || code != "":
			u, perr := url.Parse(strings.TrimSpace(line))
			if perr != nil || u.Path != "/callback" || len(u.Query()["state"]) != 1 || u.Query().Get("state") != state {
				t.Fatalf("accepted %q (code %q, err %v) without this sign-in's state on the callback path", line, code, err)
			}
		default:
			t.Fatalf("no code and no error for %q", line)
		}
	})
}
