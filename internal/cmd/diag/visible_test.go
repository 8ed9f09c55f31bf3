package diag

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://idp.example/", "https://idp.example/"},
		{"Zoë 日本", "Zoë 日本"},
		{"a\x1b]0;pwned\x07b", `a\x1b]0;pwned\x07b`},
		{"x\x1b[2Jy", `x\x1b[2Jy`},
		{"line\nbreak\r", `line\x0abreak\x0d`},
		{"del\x7f", `del\x7f`},
		{"c1\u009bcsi", `c1\u009bcsi`},
		{"bidi\u202egnp.exe", `bidi\u202egnp.exe`},
		{"zw\u200bj", `zw\u200bj`},
		{"sep\u2028", `sep\u2028`},
		{"tag\U000E0041", `tag\U000e0041`},
		{"bad\xffutf8", `bad\xffutf8`},
	}
	for _, tt := range tests {
		if got := visible(tt.in); got != tt.want {
			t.Errorf("visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzVisible: visible never lets a hidden rune or invalid UTF-8 through,
// and escapeJSON keeps every JSON string's decoded value while writing no
// hidden rune raw.
func FuzzVisible(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31m", "\u202e", "\xff\xfe", "\U000E0001", "\u0085", "a\tb\nc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v := visible(s)
		if strings.ContainsFunc(v, hidden) || !strings.ContainsRune(v, '\\') && v != s {
			t.Fatalf("visible(%q) = %q", s, v)
		}
		enc, err := json.MarshalIndent(map[string]any{"v": s, "l": []string{s}}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		out := escapeJSON(enc)
		if strings.ContainsFunc(string(out), jsonHidden) {
			t.Fatalf("escapeJSON left a hidden rune: %q", out)
		}
		var back, orig map[string]any
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("escapeJSON broke the JSON: %v\n%s", err, out)
		}
		_ = json.Unmarshal(enc, &orig)
		if back["v"] != orig["v"] {
			t.Fatalf("value changed: %q → %q", orig["v"], back["v"])
		}
	})
}
