package iostreams

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text that came from outside (an IdP's claims, AWS and IdP answers, an
// unverified token) is never written to a terminal raw: a terminal acts on
// control characters (ESC starts sequences that rewrite the screen or the
// window title), and bidi or zero-width format characters make text read
// differently from what it is. Commands print such text through Visible.

// Hidden reports whether r must not reach a terminal raw: C0 and C1
// controls, DEL, format characters (bidi overrides, zero-width joiners)
// and the line and paragraph separators.
func Hidden(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029'
}

// Visible returns s with every hidden rune written as \xNN (below 0x80)
// or \uNNNN / \U00NNNNNN, and every byte that is not UTF-8 as \xNN.
// Printable text, including non-ASCII letters, is kept.
func Visible(s string) string {
	if !strings.ContainsFunc(s, Hidden) && utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && Hidden(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r <= 0xffff && Hidden(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case Hidden(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
