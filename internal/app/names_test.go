package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// hostileNames carry what a terminal acts on: ESC (colours, cursor moves,
// title and clipboard sequences), newline and CR (forged lines), BEL, DEL,
// a C1 CSI, a right-to-left override, and a byte that is not UTF-8.
var hostileNames = []string{"a\x1b[31mred", "a\nb", "a\rb", "a\x07", "a\x7f", "a\u009b31m", "a\u202eb", "a\xffb"}

// TestControlCharacterProfileNamesRefused: from --profile, TIP_CLI_PROFILE,
// `configure delete NAME` or a config file, a profile name with a control
// or format character is refused with one line that shows it escaped, and
// the raw character never reaches stderr or stdout; sign-in names too.
func TestControlCharacterProfileNamesRefused(t *testing.T) {
	t.Parallel()
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	cfg := `{"profiles":{"default":{"provider":"okta"}}}`
	for _, name := range hostileNames {
		for _, tt := range []struct {
			how  string
			args []string
			env  string
			file string
			want string // "profile name" unless set
		}{
			{how: "--profile", args: []string{"--profile", name, "auth", "status"}},
			{how: "--profile configure idp", args: []string{"--profile", name, "configure", "idp", "--config", `{"provider":"okta"}`}},
			{how: "TIP_CLI_PROFILE", args: []string{"auth", "get-iam-credentials"}, env: name},
			{how: "configure delete", args: []string{"configure", "delete", name}},
			{how: "config file", args: []string{"auth", "status"},
				file: strings.Replace(cfg, `"default"`, `"default":{},"`+jsonEscape(name)+`"`, 1)},
			{how: "configure idp --sign-in", args: []string{"configure", "idp", "--sign-in", name, "--config", `{"provider":"okta"}`}, want: "sign-in name"},
			{how: "configure delete --sign-in", args: []string{"configure", "delete", "--sign-in", name}, want: "sign-in name"},
		} {
			t.Run(tt.how+" "+name, func(t *testing.T) {
				k.Vars["TIP_CLI_PROFILE"] = tt.env
				defer delete(k.Vars, "TIP_CLI_PROFILE")
				if tt.file != "" {
					if !utf8.ValidString(name) {
						t.Skip("a JSON decoder reads invalid UTF-8 as U+FFFD, a printable name")
					}
					path := filepath.Join(k.Dir, "config.json")
					saved, err := os.ReadFile(path)
					if err != nil {
						t.Fatal(err)
					}
					writeFile(t, path, tt.file)
					defer writeFile(t, path, string(saved))
				}
				r := run(t, k, tt.args...)
				want := tt.want
				if want == "" {
					want = "profile name"
				}
				msg := strings.TrimSuffix(strings.TrimSuffix(r.stderr, "\n"), "\nRun 'tip-cli --help' for usage.")
				if r.code == 0 || r.stdout != "" || strings.Contains(msg, "\n") || !strings.Contains(msg, want) {
					t.Errorf("exit %d stdout %q stderr %q; want one line refusing the %s", r.code, r.stdout, r.stderr, want)
				}
				// A raw 0xff byte would make stderr invalid UTF-8.
				if strings.ContainsAny(r.stderr, "\x1b\r\x07\x7f\u009b\u202e") || !utf8.ValidString(r.stderr) {
					t.Errorf("stderr carries the raw character: %q", r.stderr)
				}
			})
		}
	}
}

// jsonEscape writes s as the inside of a JSON string, with \u escapes for
// everything outside printable ASCII (invalid UTF-8 stays raw, as a
// hand-edited file would have it).
func jsonEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteString(`\u00` + "0123456789abcdef"[c>>4:c>>4+1] + "0123456789abcdef"[c&15:c&15+1])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
