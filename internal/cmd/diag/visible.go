package diag

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// The report carries text taken from an unverified token (iss, sub, aud,
// kid, error messages quoting them) and from AWS and IdP answers. A
// terminal would act on control characters in it (ESC starts a sequence
// that can rewrite the screen, set the window title or, in some
// terminals, write files), and bidi or zero-width format characters make
// text read differently from what it is. So nothing of that kind is ever
// written raw: text output shows it escaped, JSON output as \u escapes
// (the decoded values stay exact).

// hidden reports whether r must not reach a terminal raw: C0 and C1
// controls, DEL, format characters (bidi overrides, zero-width joiners)
// and the line and paragraph separators.
func hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// jsonHidden is hidden without C0: encoding/json escapes those in strings.
func jsonHidden(r rune) bool { return r >= 0x20 && hidden(r) }

// visible returns s with every hidden rune written as \xNN (below 0x80)
// or \uNNNN / \U00NNNNNN, and every byte that is not UTF-8 as \xNN.
// Printable text, including non-ASCII letters, is kept.
func visible(s string) string {
	if !strings.ContainsFunc(s, hidden) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && hidden(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff && hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// escapeJSON rewrites encoded JSON so that no hidden rune appears raw:
// encoding/json already escapes C0 controls inside strings, U+2028 and
// U+2029, but writes DEL, C1 controls and format characters as they are.
// Outside strings JSON has none of these (its raw C0 characters are the
// indentation's newlines), so every occurrence is inside a string, where
// \uNNNN (a surrogate pair above U+FFFF) decodes to the same value.
func escapeJSON(data []byte) []byte {
	if !strings.ContainsFunc(string(data), jsonHidden) {
		return data
	}
	var b strings.Builder
	for _, r := range string(data) {
		if !jsonHidden(r) {
			b.WriteRune(r)
			continue
		}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
			continue
		}
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return []byte(b.String())
}
