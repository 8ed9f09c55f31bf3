package cmddocstest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func appChecker() Checker {
	return Checker{Program: "app", NewRoot: func() *cobra.Command { return syntheticTree(false) }}
}

func joinWords(ws [][]string) string {
	var lines []string
	for _, w := range ws {
		lines = append(lines, strings.Join(w, "\x00"))
	}
	return strings.Join(lines, "\n")
}

func TestShellWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"auth get-iam-credentials --format env)\"", []string{"auth", "get-iam-credentials", "--format", "env"}},
		{"configure idp --config '{\n  \"a\": 1\n}'\nnext", []string{"configure", "idp", "--config", "{\n  \"a\": 1\n}"}},
		{"exec -- aws s3 ls \\\n  s3://b/ # comment", []string{"exec", "--", "aws", "s3", "ls", "s3://b/"}},
		{"auth | tee x", []string{"auth"}},
		{"credentials --jwt - < yellow.jwt", []string{"credentials", "--jwt", "-"}},
		{"a#b 'unterminated", []string{"a#b", "unterminated"}},
		{"", nil},
	}
	for _, tt := range tests {
		if got := shellWords(tt.in); strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("shellWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestInvocations(t *testing.T) {
	tests := []struct {
		name string
		text string
		want [][]string
	}{
		{"line start", "app alpha x\n", [][]string{{"alpha", "x"}}},
		{"after a path", "./bin/app beta\n", [][]string{{"beta"}}},
		{"in a substitution", "eval \"$(app beta)\"\n", [][]string{{"beta"}}},
		{"ini value", "credential_process = app alpha x\n", [][]string{{"alpha", "x"}}},
		{"after --", "exec -- app beta\n", [][]string{{"beta"}}},
		{"flag value is not a command", "deploy --stack-name app \\\n  --capabilities X\n", nil},
		{"flag value on a later line", "deploy \\\n  --stack-name app \\\n  --x\n", nil},
		{"part of a word", "myapp beta\napp-lambda beta\n", nil},
		{"two on a line", "app beta && app alpha x\n", [][]string{{"beta"}, {"alpha", "x"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := appChecker().Invocations(tt.text); joinWords(got) != joinWords(tt.want) {
				t.Errorf("Invocations(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestCommandLines(t *testing.T) {
	md := "Run `app alpha x` or `app beta`; `app` alone and `other alpha` are not lines.\n\n" +
		"```sh\napp alpha x\n```\n\n" +
		"```\napp beta\n```\n\n" +
		"```ini\ncredential_process = app alpha y\n```\n\n" +
		"```json\n{\"cmd\": \"app alpha z\"}\n```\n\n" +
		"```text\napp alpha t\n```\n\n" +
		"```console\n$ app alpha c \\\n    --out f\nout: app alpha not-a-prompt\n  $ app beta\n```\n\n" +
		"```sh\napp alpha unclosed\n"
	blocks, inline := appChecker().CommandLines(md)
	wantBlocks := [][]string{{"alpha", "x"}, {"beta"}, {"alpha", "y"}, {"alpha", "c", "--out", "f"}, {"beta"}}
	if joinWords(blocks) != joinWords(wantBlocks) {
		t.Errorf("blocks = %q, want %q", blocks, wantBlocks)
	}
	wantInline := [][]string{{"alpha", "x"}, {"beta"}}
	if joinWords(inline) != joinWords(wantInline) {
		t.Errorf("inline = %q, want %q", inline, wantInline)
	}
}

func TestUnbracket(t *testing.T) {
	tests := []struct {
		in, want []string
	}{
		{[]string{"serve", "[--store", "dynamodb", "--table", "t", "[--create-table]]"},
			[]string{"serve", "--store", "dynamodb", "--table", "t", "--create-table"}},
		{[]string{"[--out", "f]"}, []string{"--out", "f"}},
		{[]string{"--query", "Stacks[0]"}, []string{"--query", "Stacks[0]"}},
		{[]string{"x]", "[]"}, []string{"x]"}},
	}
	for _, tt := range tests {
		if got := unbracket(tt.in); strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("unbracket(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		words     []string
		checkArgs bool
		ok        bool
	}{
		{[]string{"alpha", "x", "--out", "f"}, true, true},
		{[]string{"--profile", "p", "alpha", "x"}, true, true},
		{[]string{"al", "x", "--many", "1", "--many", "2"}, true, true},
		{[]string{"completion", "bash"}, true, true},
		{[]string{"alpha", "[--out", "f]", "x"}, true, true},
		{[]string{"alpha"}, true, false},
		{[]string{"alpha"}, false, true},
		{[]string{"beta", "extra"}, true, false},
		{[]string{"beta", "--no-such-flag"}, false, false},
		{[]string{"alpha", "x", "--out"}, false, false},
		{[]string{"delta"}, false, false},
	}
	for _, tt := range tests {
		if err := appChecker().Check(tt.words, tt.checkArgs); (err == nil) != tt.ok {
			t.Errorf("Check(%q, %v) = %v, want ok=%v", tt.words, tt.checkArgs, err, tt.ok)
		}
	}
}

func TestCheckMarkdown(t *testing.T) {
	md := "`app alpha`, `app beta --bad`\n\n```sh\napp alpha x\napp alpha\n```\n"
	found, problems := appChecker().CheckMarkdown(md)
	if found != 4 {
		t.Errorf("found %d lines, want 4", found)
	}
	want := []string{"app alpha: accepts 1 arg(s), received 0", "`app beta --bad`: unknown flag: --bad"}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems = %q, want %q", problems, want)
	}
}

func FuzzCommandLines(f *testing.F) {
	f.Add("`app alpha x`\n```sh\napp beta 'q\n```\n```console\n$ app alpha \\\n")
	f.Add("--stack-name app \\\n app [x]]")
	f.Fuzz(func(t *testing.T, md string) {
		c := appChecker()
		blocks, inline := c.CommandLines(md)
		for _, words := range append(blocks, inline...) {
			_ = c.Check(words, true)
		}
	})
}

func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"README.md":     "`app beta`\n",
		"docs/guide.md": "```sh\napp alpha\napp alpha x\n```\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, filepath.FromSlash(name)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	found, problems, err := appChecker().CheckFiles(dir, "README.md", "docs/guide.md")
	if err != nil || found != 3 {
		t.Fatalf("CheckFiles = %d, %v, want 3 lines", found, err)
	}
	if want := []string{"docs/guide.md: app alpha: accepts 1 arg(s), received 0"}; strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems = %q, want %q", problems, want)
	}
	if _, _, err := appChecker().CheckFiles(dir, "missing.md"); err == nil || !strings.Contains(err.Error(), "missing.md") {
		t.Errorf("CheckFiles on a missing file = %v, want an error naming it", err)
	}
}
