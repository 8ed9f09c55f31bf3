package idpemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// FakeBrowser plays the user's browser for the authorization code flow: it
// GETs authURL and follows redirects, including the final one to the
// client's loopback callback (http://localhost:PORT/callback?code=...). It
// fails when the last response has a status of 400 or more. A nil client
// means a default client with a 10 s timeout. Errors never include query
// strings, which may carry codes.
func FakeBrowser(ctx context.Context, client *http.Client, authURL string) error {
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, authURL, nil)
	if err != nil {
		return fmt.Errorf("fake browser: %w", browserRedact(err))
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("fake browser: %w", browserRedact(err))
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode >= 400 {
		return fmt.Errorf("fake browser: GET %s: status %d: %s",
			browserPlainURL(resp.Request), resp.StatusCode, browserText(body))
	}
	return nil
}

// browserPlainURL is the request URL without query or fragment.
func browserPlainURL(r *http.Request) string {
	if r == nil || r.URL == nil {
		return "?"
	}
	u := *r.URL
	u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
	return u.String()
}

// browserRedact removes the query string from the URL of a client error.
func browserRedact(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) {
		return err
	}
	plain := "?"
	if u, perr := url.Parse(ue.URL); perr == nil {
		u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
		plain = u.String()
	}
	return fmt.Errorf("%s %s: %w", ue.Op, plain, ue.Err)
}

// browserText reduces an HTML body to a short line of its text.
func browserText(body []byte) string {
	var b strings.Builder
	inTag := false
	for _, r := range string(body) {
		switch {
		case r == '<':
			inTag = true
			b.WriteByte(' ')
		case r == '>':
			inTag = false
		case !inTag:
			b.WriteRune(r)
		}
	}
	s := strings.Join(strings.Fields(b.String()), " ")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
