package idp

import (
	"errors"
	"net/url"
	"strings"
)

// The paste flow. On a machine the browser cannot reach (SSH, a container,
// a remote notebook) the IdP's redirect to http://localhost:PORT/callback
// fails in the person's browser, leaving the whole redirect URL, code and
// state included, in its address bar. The person pastes it into the
// terminal and Login completes it exactly as if it had arrived at the
// loopback listener, which keeps listening meanwhile (a forwarded port
// works too; the first to arrive wins).
//
// A pasted line differs from a loopback request in one way: only the
// person at the terminal can paste, so a refused paste ends the sign-in
// with a *pasteError instead of being ignored as a stray request is.

// maxPaste bounds a pasted line (Entra ID codes are ~1 KB; a terminal in
// canonical mode delivers at most 4 KB).
const maxPaste = 16 << 10

// pasteError is a pasted text that is not this sign-in's redirect. Its
// message never repeats the pasted text (it carries the code).
type pasteError struct{ Reason string }

func (e *pasteError) Error() string { return "pasted URL refused: " + e.Reason }

// parsePasted reads a pasted redirect URL and returns the authorization
// code when it carries this sign-in's state (see parseCallback). The path
// must be the redirect URI's; the host is not checked (people paste
// 127.0.0.1 for localhost, or a forwarded host name).
func parsePasted(line, path, wantState string) (string, error) {
	line = strings.TrimSpace(line)
	if len(line) > maxPaste {
		return "", &pasteError{"it is longer than any sign-in redirect"}
	}
	u, err := url.Parse(line)
	if err != nil || !u.IsAbs() || u.Host == "" || u.RawQuery == "" {
		return "", &pasteError{"it is not a whole URL with a query: copy the complete address " +
			"(http://localhost:PORT/callback?code=…&state=…) from the browser's address bar"}
	}
	if u.Path != path {
		return "", &pasteError{"its path is " + quotePath(u.Path) + ", not the sign-in's redirect path " + quotePath(path)}
	}
	code, err := parseCallback(u.RawQuery, wantState)
	var stray *strayError
	if errors.As(err, &stray) {
		if strings.HasPrefix(stray.reason, "the response does not carry") {
			return "", &pasteError{"it belongs to another sign-in (its state does not match this one's)"}
		}
		return "", &pasteError{stray.reason}
	}
	return code, err
}

// quotePath shows a path without letting a pasted control character
// reach the terminal.
func quotePath(p string) string {
	if len(p) > 64 {
		p = p[:64] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, `"`+p+`"`)
}
