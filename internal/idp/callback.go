package idp

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"sync/atomic"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// strayError marks a request to the redirect path that does not belong to
// this sign-in: not an authorization response at all (a reload, a probe),
// or one without this sign-in's state (RFC 6749 §10.12: a stale tab or a
// forged request). It is answered with a 400 page and does not end the
// sign-in: only the holder of the state can.
type strayError struct{ reason string }

func (e *strayError) Error() string { return e.reason }

// parseCallback reads the query of a loopback redirect (RFC 6749 §4.1.2)
// and returns the authorization code. Only a response carrying exactly one
// state equal to wantState (compared in constant time) counts; anything
// else is a *strayError, including an error= response without the state,
// so that a stray request cannot abort the sign-in. A response with the
// right state ends it: error= as a *callbackError, a repeated parameter
// (RFC 6749 §3.1) or an empty code as a malformed response.
func parseCallback(rawQuery, wantState string) (string, error) {
	q, err := url.ParseQuery(rawQuery)
	switch {
	case err != nil:
		return "", &strayError{"not an authorization response: its query does not parse"}
	case !q.Has("code") && !q.Has("error"):
		return "", &strayError{"not an authorization response: it has neither code nor error"}
	}
	states := q["state"]
	if wantState == "" || len(states) != 1 || subtle.ConstantTimeCompare([]byte(states[0]), []byte(wantState)) != 1 {
		return "", &strayError{"the response does not carry this sign-in's state"}
	}
	for _, k := range []string{"code", "error", "error_description"} {
		if len(q[k]) > 1 {
			return "", fmt.Errorf("malformed sign-in response: parameter %q is repeated", k)
		}
	}
	if q.Has("error") {
		return "", &callbackError{Code: q.Get("error"), Description: q.Get("error_description")}
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("malformed sign-in response: the code parameter is empty")
	}
	return code, nil
}

// loginResult is the outcome of the one callback that completes a login.
type loginResult struct {
	tokens *cred.Tokens
	err    error
}

// callbackHandler serves the redirect URI's path. The first authorization
// response carrying this sign-in's state (success or failure) completes the
// login: its code is exchanged and the ID token verified before the result
// page is written; later ones get an "already finished" page. Stray
// requests get a 400 page and are counted, and the login keeps waiting.
// The one-time start address (start.go) is served beside it; any other
// path is 404. A pasted redirect (paste.go) claims the login the same way.
type callbackHandler struct {
	ctx      context.Context
	path     string
	state    string
	complete func(ctx context.Context, code string) (*cred.Tokens, error)
	start    *startPage // the one-time start address; nil without a browser to start
	claimed  atomic.Bool
	refused  atomic.Int64     // stray requests answered with 400
	result   chan loginResult // buffered, capacity 1
}

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.start != nil && r.URL.Path == h.start.path {
		h.start.ServeHTTP(w, r)
		return
	}
	if r.URL.Path != h.path {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writePage(w, http.StatusMethodNotAllowed, "Sign-in failed", "This address only accepts the identity provider's redirect.")
		return
	}
	code, err := parseCallback(r.URL.RawQuery, h.state)
	var stray *strayError
	if errors.As(err, &stray) {
		h.refused.Add(1)
		writePage(w, http.StatusBadRequest, "Not this sign-in",
			"This address only accepts the identity provider's redirect for the sign-in in progress: "+
				stray.reason+". tip-cli is still waiting; finish the sign-in in the newest browser tab.")
		return
	}
	if !h.claimed.CompareAndSwap(false, true) {
		writePage(w, http.StatusConflict, "Sign-in already finished", "This sign-in has already finished. You can close this tab.")
		return
	}
	var toks *cred.Tokens
	if err == nil {
		toks, err = h.complete(h.ctx, code)
	}
	if err != nil {
		writePage(w, http.StatusBadRequest, "Sign-in failed", err.Error()+". Return to the terminal for details.")
	} else {
		writePage(w, http.StatusOK, "Signed in", "Signed in. You can close this tab.")
	}
	h.result <- loginResult{tokens: toks, err: err}
}

// startReused is closed when the start address was requested twice; nil
// (never ready) without a start address.
func (h *callbackHandler) startReused() <-chan struct{} {
	if h.start == nil {
		return nil
	}
	return h.start.reused
}

// writePage writes a small self-contained HTML page. Everything shown is
// escaped; no token ever appears in a page.
func writePage(w http.ResponseWriter, status int, title, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	t, m := html.EscapeString(title), html.EscapeString(msg)
	_, _ = fmt.Fprintf(w, `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tip-cli: %s</title>
<style>body{font-family:system-ui,sans-serif;margin:4em auto;max-width:36em;padding:0 1em;color:#222}h1{font-size:1.4em}</style>
</head><body><h1>%s</h1><p>%s</p></body></html>
`, t, t, m)
}
