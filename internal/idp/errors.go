package idp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode"

	"golang.org/x/oauth2"
)

// maxDescription bounds how much of an IdP-supplied description is shown.
const maxDescription = 300

// callbackError is an OAuth 2.0 error the identity provider ended the
// sign-in with: the error= parameter of the loopback redirect (RFC 6749
// §4.1.2.1) or a terminal device-flow error (RFC 8628 §3.5), e.g.
// access_denied when the user refused consent.
type callbackError struct {
	Code        string
	Description string
}

func (e *callbackError) Error() string {
	code := oneLine(e.Code, 64)
	switch e.Code {
	case "expired_token":
		return "the sign-in code expired before it was approved: run the sign-in again"
	case "access_denied":
		return withDescription("sign-in was refused by the identity provider: "+code, e.Description)
	}
	return withDescription("sign-in failed at the identity provider: "+code, e.Description)
}

// RefreshError means the token endpoint rejected a refresh (RFC 6749 §5.2,
// e.g. invalid_grant for an expired, revoked or replayed refresh token) or
// answered without the ID token tip-cli needs. Callers treat it as "sign in
// again".
type RefreshError struct {
	Code        string
	Description string
}

func (e *RefreshError) Error() string {
	return withDescription("the identity provider refused to refresh the sign-in: "+oneLine(e.Code, 64), e.Description) +
		": sign in again"
}

// discoveryError means the issuer's OpenID Connect discovery document
// (/.well-known/openid-configuration) could not be fetched or was invalid.
type discoveryError struct {
	Issuer string
	Err    error
}

func (e *discoveryError) Error() string {
	return fmt.Sprintf("cannot reach identity provider at %s: %s (check the issuer URL and your network)",
		e.Issuer, oneLine(e.Err.Error(), maxDescription))
}

// Unwrap returns the underlying error.
func (e *discoveryError) Unwrap() error { return e.Err }

// timeoutError means the browser sign-in did not finish within
// LoginOptions.Timeout. It matches context.DeadlineExceeded with errors.Is.
// Refused counts the requests to the callback that were turned away
// because they did not carry this sign-in's state (a stale tab, a forged
// request, or an IdP that omits state on errors).
type timeoutError struct {
	After   time.Duration
	Refused int64
}

func (e *timeoutError) Error() string {
	msg := fmt.Sprintf("timed out after %s waiting for the browser sign-in", e.After)
	switch {
	case e.Refused == 1:
		msg += " (1 callback request without this sign-in's state was refused)"
	case e.Refused > 1:
		msg += fmt.Sprintf(" (%d callback requests without this sign-in's state were refused)", e.Refused)
	}
	return msg
}

// Is reports whether target is context.DeadlineExceeded.
func (e *timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

// stopped turns a done login context into the error Login returns: the
// *timeoutError that was its cause, or the cancellation wrapped.
func stopped(ctx context.Context) error {
	cause := context.Cause(ctx)
	var te *timeoutError
	if errors.As(cause, &te) {
		return te
	}
	return fmt.Errorf("sign-in cancelled: %w", cause)
}

// oauthError extracts the RFC 6749 §5.2 error code and description from a
// token endpoint failure.
func oauthError(err error) (code, desc string, ok bool) {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.ErrorCode != "" {
		return re.ErrorCode, re.ErrorDescription, true
	}
	return "", "", false
}

// endpointError rewrites a token endpoint failure as a one-line error that
// never carries the raw response body.
func endpointError(err error) error {
	if code, desc, ok := oauthError(err); ok {
		return errors.New(withDescription(oneLine(code, 64), desc))
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		return &answeredError{Status: re.Response.StatusCode}
	}
	return err
}

// answeredError means the token endpoint answered with an HTTP error that
// is not an OAuth error: the request reached it and it said no.
type answeredError struct{ Status int }

func (e *answeredError) Error() string {
	return fmt.Sprintf("the identity provider answered HTTP %d", e.Status)
}

// RefreshUnanswered reports whether a failed Refresh may have delivered the
// refresh token without its answer reaching us (a timeout or a connection
// lost after sending): the IdP may have rotated it, and presenting it again
// could revoke the whole grant. False when the IdP answered (an OAuth error
// or an HTTP status) or the token endpoint was never reached (discovery
// failed, or the connection could not be opened).
func RefreshUnanswered(err error) bool {
	var re *RefreshError
	var ae *answeredError
	var de *discoveryError
	var op *net.OpError
	switch {
	case err == nil, errors.As(err, &re), errors.As(err, &ae), errors.As(err, &de):
		return false
	case errors.As(err, &op) && op.Op == "dial":
		return false
	}
	return true
}

// withDescription appends an IdP-supplied description, made safe for one line.
func withDescription(msg, desc string) string {
	if d := oneLine(desc, maxDescription); d != "" {
		return msg + ": " + d
	}
	return msg
}

// oneLine makes untrusted text safe to show on one terminal line: control
// characters (newlines, escape sequences) become spaces, runs of spaces
// collapse and the result is cut to at most max runes.
func oneLine(s string, max int) string {
	var b strings.Builder
	n := 0
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r == unicode.ReplacementChar {
			space = true
			continue
		}
		if n >= max {
			b.WriteString("…")
			break
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
			n++
		}
		space = false
		b.WriteRune(r)
		n++
	}
	return b.String()
}
