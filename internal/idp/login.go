package idp

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// DefaultLoginTimeout is how long Login waits for the browser by default.
const DefaultLoginTimeout = 5 * time.Minute

// shutdownGrace bounds how long Login waits for the callback server to
// finish writing its last page.
const shutdownGrace = 5 * time.Second

// LoginOptions configures a browser sign-in. At least one of OpenURL,
// Browser and Pasted must be set.
type LoginOptions struct {
	// OpenURL, when set, is given the authorization URL itself: to show it
	// to the person (stderr), or in tests to play the browser. Never pass
	// it to another program's argv: use Browser. It is called only after
	// the loopback listener is bound; an error from it ends the sign-in.
	OpenURL func(ctx context.Context, authURL string) error
	// Browser, when set, starts a browser. It is given the one-time start
	// address (start.go), never the authorization URL, so the sign-in's
	// state, PKCE challenge and nonce do not appear in any process's argv.
	// It is called after OpenURL; an error from it ends the sign-in.
	Browser func(ctx context.Context, startURL string) error
	// Pasted, when set, delivers the lines the person pastes (the paste
	// flow, paste.go). A closed channel means the input ended; the loopback
	// listener can still complete the sign-in.
	Pasted <-chan string
	// Timeout bounds the whole sign-in; DefaultLoginTimeout when zero.
	Timeout time.Duration
}

// Login signs the user in with the authorization code grant and PKCE S256
// (RFC 6749 §4.1, RFC 7636) through a loopback redirect (RFC 8252). It
// binds the redirect URI's port, calls OpenURL with the authorization URL,
// serves the callback, exchanges the code and verifies the ID token (and
// its nonce) before returning. The callback server is shut down before
// Login returns, so Login can run again at once on the same port.
//
// Only a callback carrying this sign-in's state ends it (see
// parseCallback); any other request to the callback is refused and Login
// keeps waiting until the timeout.
//
// Errors: *discoveryError, *callbackError (error= from the IdP),
// *timeoutError, or the context's error wrapped.
func (c *Client) Login(ctx context.Context, o LoginOptions) (*cred.Tokens, error) {
	if o.OpenURL == nil && o.Browser == nil && o.Pasted == nil {
		return nil, errors.New("sign-in: no way to reach the person (OpenURL, Browser and Pasted are nil)")
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultLoginTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, &timeoutError{After: timeout})
	defer cancel()

	redirect, err := parseRedirect(c.redirectURI())
	if err != nil {
		return nil, err
	}
	p, err := c.discover(ctx, nil)
	if err != nil {
		if ctx.Err() != nil {
			return nil, stopped(ctx)
		}
		return nil, err
	}
	lns, redirect, err := listenLoopback(ctx, redirect)
	if err != nil {
		return nil, err
	}
	h, authURL, err := c.newCallback(ctx, p, callbackPath(redirect), redirect.String())
	if err != nil {
		closeAll(lns)
		return nil, err
	}
	if o.Browser != nil {
		if h.start, err = newStartPage(authURL); err != nil {
			closeAll(lns)
			return nil, err
		}
	}
	open := func() error {
		if o.OpenURL != nil {
			if err := o.OpenURL(ctx, authURL); err != nil {
				return err
			}
		}
		if o.Browser != nil {
			return o.Browser(ctx, h.start.url(redirect))
		}
		return nil
	}
	return serve(ctx, lns, h, open, o.Pasted)
}

// serve runs the callback server on lns, calls open, and waits for the
// first callback, a pasted redirect, or the end of ctx. The server is shut
// down and every listener closed before serve returns.
func serve(ctx context.Context, lns []net.Listener, h *callbackHandler, open func() error, pasted <-chan string) (*cred.Tokens, error) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	for _, l := range lns {
		wg.Go(func() { _ = srv.Serve(l) })
	}
	defer shutdown(srv, &wg)

	if err := open(); err != nil {
		select {
		case res := <-h.result:
			// The callback already ran (the opener saw its failure page):
			// its error says more than the opener's.
			return finish(ctx, res)
		case <-h.startReused():
			return nil, ErrStartReused // the browser met the used start address
		default:
		}
		if ctx.Err() != nil {
			return nil, h.stopped(ctx)
		}
		return nil, fmt.Errorf("open the browser for sign-in: %w", err)
	}
	for {
		select {
		case res := <-h.result:
			return finish(ctx, res)
		case <-h.startReused():
			return nil, ErrStartReused
		case line, ok := <-pasted:
			if !ok {
				pasted = nil // the input ended: the loopback alone remains
				continue
			}
			if res, done := h.paste(line); done {
				return finish(ctx, res)
			}
		case <-ctx.Done():
			return nil, h.stopped(ctx)
		}
	}
}

// paste handles one pasted line: blank lines and lines arriving after the
// loopback claimed the sign-in are ignored; a refused paste ends the
// sign-in (only the person at the terminal can paste); a redirect with
// this sign-in's state completes it.
func (h *callbackHandler) paste(line string) (loginResult, bool) {
	if strings.TrimSpace(line) == "" || h.claimed.Load() {
		return loginResult{}, false
	}
	code, err := parsePasted(line, h.path, h.state)
	var pe *pasteError
	if errors.As(err, &pe) {
		return loginResult{err: err}, true
	}
	if !h.claimed.CompareAndSwap(false, true) {
		return loginResult{}, false // the loopback won meanwhile; its result follows
	}
	var toks *cred.Tokens
	if err == nil {
		if toks, err = h.complete(h.ctx, code); err != nil {
			err = fmt.Errorf("pasted URL: %w", err)
		}
	}
	return loginResult{tokens: toks, err: err}, true
}

// stopped is the error for a login context that ended while waiting: a
// timeout says how many stray callbacks were refused meanwhile.
func (h *callbackHandler) stopped(ctx context.Context) error {
	err := stopped(ctx)
	var te *timeoutError
	if errors.As(err, &te) {
		return &timeoutError{After: te.After, Refused: h.refused.Load()}
	}
	return err
}

// finish returns the callback's outcome; a failure caused by the login
// context ending is reported as that (timeout or cancellation).
func finish(ctx context.Context, res loginResult) (*cred.Tokens, error) {
	if res.err != nil && ctx.Err() != nil {
		return nil, stopped(ctx)
	}
	return res.tokens, res.err
}

// newCallback prepares state, nonce and PKCE verifier, the handler that
// completes the login, and the authorization URL.
func (c *Client) newCallback(ctx context.Context, p *provider, path, redirectURI string) (*callbackHandler, string, error) {
	state, err := randomString()
	if err != nil {
		return nil, "", err
	}
	nonce, err := randomString()
	if err != nil {
		return nil, "", err
	}
	verifier := oauth2.GenerateVerifier()
	conf := p.oauth
	conf.RedirectURL = redirectURI
	h := &callbackHandler{
		ctx:    ctx,
		path:   path,
		state:  state,
		result: make(chan loginResult, 1),
		complete: func(ctx context.Context, code string) (*cred.Tokens, error) {
			tok, err := conf.Exchange(p.ctx(ctx), code, oauth2.VerifierOption(verifier))
			if err != nil {
				return nil, fmt.Errorf("exchange the authorization code: %w", endpointError(err))
			}
			return c.tokens(ctx, p, tok, nonce)
		},
	}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
	if c.Prompt != "" {
		opts = append(opts, oauth2.SetAuthURLParam("prompt", c.Prompt))
	}
	return h, conf.AuthCodeURL(state, opts...), nil
}

// randomString returns 32 random bytes, base64url-encoded without padding.
func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate random sign-in parameter: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// shutdown stops the callback server, letting a page being written finish,
// and waits until every Serve has returned (the listeners are closed).
func shutdown(srv *http.Server, wg *sync.WaitGroup) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
	}
	wg.Wait()
}

func closeAll(lns []net.Listener) {
	for _, l := range lns {
		_ = l.Close()
	}
}
