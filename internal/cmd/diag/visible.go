package diag

import (
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/tip-cli/tip-cli/internal/iostreams"
)

// The report carries text taken from an unverified token (iss, sub, aud,
// kid, error messages quoting them) and from AWS and IdP answers. A
// terminal would act on control characters in it (ESC starts a sequence
// that can rewrite the screen, set the window title or, in some
// terminals, write files), and bidi or zero-width format characters make
// text read differently from what it is. So nothing of that kind is ever
// written raw: text output shows it escaped, JSON output as \u escapes
// (the decoded values stay exact).

// hidden is iostreams.Hidden; visible is iostreams.Visible.
func hidden(r rune) bool { return iostreams.Hidden(r) }

// jsonHidden is hidden without C0: encoding/json escapes those in strings.
func jsonHidden(r rune) bool { return r >= 0x20 && hidden(r) }

func visible(s string) string { return iostreams.Visible(s) }

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
