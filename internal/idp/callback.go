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

	"github.com/tip-cli/tip-cli/internal/store"
)

// notCallbackError marks a request to the redirect path that carries
// neither code nor error: not an authorization response at all (a stray
// reload or probe). It does not end the sign-in.
type notCallbackError struct{}

func (notCallbackError) Error() string {
	return "not an authorization response: it has neither code nor error"
}

// parseCallback reads the query of a loopback redirect (RFC 6749 §4.1.2)
// and returns the authorization code. The state must equal wantState
// (compared in constant time); an error= response is a *CallbackError
// (state may be absent there, as some IdPs omit it on early errors).
// Parameters may not repeat (RFC 6749 §3.1).
func parseCallback(rawQuery, wantState string) (string, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "", notCallbackError{}
	}
	if !q.Has("code") && !q.Has("error") {
		return "", notCallbackError{}
	}
	for _, k := range []string{"code", "state", "error", "error_description"} {
		if len(q[k]) > 1 {
			return "", fmt.Errorf("malformed sign-in response: parameter %q is repeated", k)
		}
	}
	state := q.Get("state")
	stateOK := wantState != "" && subtle.ConstantTimeCompare([]byte(state), []byte(wantState)) == 1
	if q.Has("error") {
		if state != "" && !stateOK {
			return "", &StateMismatchError{}
		}
		return "", &CallbackError{Code: q.Get("error"), Description: q.Get("error_description")}
	}
	if !stateOK {
		return "", &StateMismatchError{}
	}
	code := q.Get("code")
	if code == "" {
		return "", errors.New("malformed sign-in response: the code parameter is empty")
	}
	return code, nil
}

// loginResult is the outcome of the one callback that completes a login.
type loginResult struct {
	tokens *store.Tokens
	err    error
}

// callbackHandler serves the redirect URI's path. The first authorization
// response (success or failure) completes the login: its code is exchanged
// and the ID token verified before the result page is written; later ones
// get a "already finished" page. Any other path is 404.
type callbackHandler struct {
	ctx      context.Context
	path     string
	state    string
	complete func(ctx context.Context, code string) (*store.Tokens, error)
	claimed  atomic.Bool
	result   chan loginResult // buffered, capacity 1
}

func (h *callbackHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	var nc notCallbackError
	if errors.As(err, &nc) {
		writePage(w, http.StatusBadRequest, "Sign-in failed", "This address only accepts the identity provider's redirect.")
		return
	}
	if !h.claimed.CompareAndSwap(false, true) {
		writePage(w, http.StatusConflict, "Sign-in already finished", "This sign-in has already finished. You can close this tab.")
		return
	}
	var toks *store.Tokens
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
