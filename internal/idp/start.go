package idp

import (
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
)

// The one-time start address. A browser is a program started with the URL
// in its argv, and on a shared host every user can read every process's
// argv (/proc/PID/cmdline). The authorization URL carries the sign-in's
// state, PKCE challenge and nonce: a local user who read them could sign
// in as themselves and deliver their code to our callback. So a browser is
// only ever given http://localhost:PORT/tip-cli-start/<random>, served by
// the callback listener: its first request is redirected (303) to the
// authorization URL, any later one gets a 404 and ends the sign-in, since
// a second request means someone else may have fetched the first.

// startPrefix is the path under which the start address is served; the
// rest of the path is random.
const startPrefix = "/tip-cli-start/"

// ErrStartReused ends a sign-in whose one-time start address was requested
// twice: another program on this machine may have taken the sign-in's
// parameters from the first answer.
var ErrStartReused = errors.New("the sign-in's one-time start address was opened twice, so another program on this " +
	"machine may have read the sign-in; nothing was saved: sign in again (if this repeats, set BROWSER to your browser's command)")

// startPage serves the one-time start address.
type startPage struct {
	path   string
	target string // the authorization URL
	used   atomic.Bool
	once   sync.Once
	reused chan struct{} // closed on the second request
}

func newStartPage(authURL string) (*startPage, error) {
	token, err := randomString()
	if err != nil {
		return nil, err
	}
	return &startPage{path: startPrefix + token, target: authURL, reused: make(chan struct{})}, nil
}

// url is the start address on the redirect URI's host and port.
func (s *startPage) url(redirect *url.URL) string {
	u := url.URL{Scheme: redirect.Scheme, Host: redirect.Host, Path: s.path}
	return u.String()
}

func (s *startPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodHead {
		// Some desktop launchers probe a URL's type before handing it to
		// the browser. A HEAD neither uses the address nor sees where it
		// leads.
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return
	}
	if !s.used.CompareAndSwap(false, true) {
		s.once.Do(func() { close(s.reused) })
		writePage(w, http.StatusNotFound, "Sign-in address already used",
			"This one-time sign-in address was already opened once. tip-cli stopped the sign-in: run it again.")
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Location", s.target)
	w.WriteHeader(http.StatusSeeOther)
}
