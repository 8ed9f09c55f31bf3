package iostreams

import "testing"

func TestVisible(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"alice@example.com", "alice@example.com"},
		{"mallory\x1b]0;owned\x07@evil", `mallory\x1b]0;owned\x07@evil`},
		{"a\u202eb", `a\u202eb`},
		{"é", "é"},
		{"\xff", `\xff`},
	} {
		if got := Visible(tt.in); got != tt.want {
			t.Errorf("Visible(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
