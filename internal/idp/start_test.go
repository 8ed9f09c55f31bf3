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

// noFollow is a client that stops at the first redirect.
func noFollow() *http.Client {
	return &http.Client{
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// TestLoginBrowserGetsOnlyTheStartAddress (issue 22 item 3): the program
// started as the browser sees a loopback address without the sign-in's
// state, PKCE challenge or nonce, and following it signs in.
func TestLoginBrowserGetsOnlyTheStartAddress(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	var given string
	toks, err := c.Login(t.Context(), LoginOptions{Timeout: 10 * time.Second, Browser: func(ctx context.Context, u string) error {
		given = u
		// A launcher's HEAD probe neither uses the address nor learns
		// where it leads.
		resp, err := noFollow().Head(u)
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Location") != "" {
			return fmt.Errorf("HEAD: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		return idpemu.FakeBrowser(ctx, nil, u)
	}})
	if err != nil {
		t.Fatalf("login through the start address: %v", err)
	}
	if toks.Subject != "00u-alice" {
		t.Errorf("subject = %q", toks.Subject)
	}
	u, err := url.Parse(given)
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "localhost" || u.RawQuery != "" || !strings.HasPrefix(u.Path, startPrefix) {
		t.Errorf("browser was given %q, want http://localhost:PORT%s<random> without a query", given, startPrefix)
	}
	for _, p := range []string{"state", "code_challenge", "nonce", "client_id", idp.Issuer()} {
		if strings.Contains(given, p) {
			t.Errorf("browser argv %q contains %q", given, p)
		}
	}
}

// TestLoginStartAddressServesOnce: whoever fetches the start address first
// gets the redirect; the next request gets a 404 and ends the sign-in, so
// a local user who raced the browser to it cannot finish the sign-in
// unnoticed. Nothing is exchanged.
func TestLoginStartAddressServesOnce(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	c := newClient(idp, testNow)
	var first, second int
	var location string
	toks, err := c.Login(t.Context(), LoginOptions{Timeout: 10 * time.Second, Browser: func(ctx context.Context, u string) error {
		for i, status := range []*int{&first, &second} {
			resp, err := noFollow().Get(u)
			if err != nil {
				return err
			}
			_ = resp.Body.Close()
			*status = resp.StatusCode
			if i == 0 {
				location = resp.Header.Get("Location")
			}
		}
		return nil
	}})
	if !errors.Is(err, ErrStartReused) || toks != nil {
		t.Fatalf("login = %v, %v; want ErrStartReused", toks, err)
	}
	if first != http.StatusSeeOther || second != http.StatusNotFound {
		t.Errorf("start address answered %d then %d, want 303 then 404", first, second)
	}
	au, err := url.Parse(location)
	if err != nil || !strings.HasPrefix(location, idp.Issuer()+"/authorize?") ||
		au.Query().Get("state") == "" || au.Query().Get("code_challenge") == "" || au.Query().Get("nonce") == "" {
		t.Errorf("first answer redirected to %q, want the authorization URL", location)
	}
	if n := idp.Counts()["token:authorization_code"]; n != 0 {
		t.Errorf("code exchanged %d times", n)
	}
}
