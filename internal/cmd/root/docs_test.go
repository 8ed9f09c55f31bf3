package root

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite docs/reference.md from the command tree")

// docsDir is the repository's docs directory, seen from this package.
var docsDir = filepath.Join("..", "..", "..", "docs")

// newTestRoot builds the real command tree with a Factory that has only
// what construction needs.
func newTestRoot() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, Getenv: func(string) string { return "" }}
	return NewCmdRoot(f, BuildInfo{Version: "dev"})
}

func renderReference(t *testing.T, cmd *cobra.Command) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteReference(&buf, cmd); err != nil {
		t.Fatalf("WriteReference: %v", err)
	}
	return buf.String()
}

func TestReferenceIsCurrent(t *testing.T) {
	got := renderReference(t, newTestRoot())
	path := filepath.Join(docsDir, "reference.md")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatalf("write %s: %v", path, err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("docs/reference.md is stale: run go test ./internal/cmd/root -update (%v)", err)
	}
	if string(want) != got {
		t.Fatalf("docs/reference.md is stale: run go test ./internal/cmd/root -update\nfirst difference: %s", firstDiff(string(want), got))
	}
}

// firstDiff describes the first line where want and got differ.
func firstDiff(want, got string) string {
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := 0; i < max(len(wl), len(gl)); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g {
			return "line " + strconv.Itoa(i+1) + ": file has " + strconv.Quote(w) + ", tree gives " + strconv.Quote(g)
		}
	}
	return "none"
}

func TestReferenceCoversRealTree(t *testing.T) {
	got := renderReference(t, newTestRoot())
	tests := []struct {
		name    string
		text    string
		present bool
	}{
		{"root section", "\n## tip-cli\n", true},
		{"credential_process entry point", "\n## tip-cli auth get-iam-credentials\n", true},
		{"s3ag", "\n## tip-cli s3ag get-data-access\n", true},
		{"completion is documented", "\n## tip-cli completion bash\n", true},
		{"help command is not", "## tip-cli help", false},
		{"help flag is not", "`--help`", false},
		{"version flag on root", "| `--version` | `-v` | bool |", true},
		{"inherited profile flag", "| `--profile` |  | string | `default` |", true},
		{"hidden flag stays hidden", "federation-endpoint", false},
		{"usage line", "tip-cli s3ag get-data-access S3_URI [flags]", true},
		{"repeatable flag type", "| `--policy-arn` |  | stringArray |  |", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(got, tt.text) != tt.present {
				t.Errorf("reference contains %q = %v, want %v", tt.text, !tt.present, tt.present)
			}
		})
	}
}

// syntheticTree builds a small tree; reverse adds the children in the
// opposite order, which must not change the output.
func syntheticTree(reverse bool) *cobra.Command {
	root := &cobra.Command{Use: "app", Short: "the app", Version: "1"}
	root.PersistentFlags().String("profile", "default", "profile | name")
	run := func(*cobra.Command, []string) {}
	a := &cobra.Command{Use: "alpha ARG", Short: "first", Long: "Long text\n\n  indented ```code```\n", Run: run,
		Aliases: []string{"al"}, Example: "  app alpha x\n  app alpha y"}
	a.Flags().StringP("out", "o", "", "where to write")
	a.Flags().Bool("secret", false, "hidden flag")
	_ = a.Flags().MarkHidden("secret")
	a.Flags().StringArray("many", nil, "repeatable")
	b := &cobra.Command{Use: "beta", Short: "second", Run: run}
	hidden := &cobra.Command{Use: "gamma", Short: "hidden", Hidden: true, Run: run}
	kids := []*cobra.Command{a, b, hidden}
	if reverse {
		kids = []*cobra.Command{hidden, b, a}
	}
	root.AddCommand(kids...)
	return root
}

func TestWriteReference(t *testing.T) {
	got := renderReference(t, syntheticTree(false))
	tests := []struct {
		name    string
		text    string
		present bool
	}{
		{"index links", "| [app alpha](#app-alpha) | first |", true},
		{"long text in a longer fence", "````text\nLong text\n\n  indented ```code```\n````", true},
		{"usage", "```sh\napp alpha ARG [flags]\n```", true},
		{"aliases", "**Aliases:** `al`", true},
		{"examples dedented", "```sh\napp alpha x\napp alpha y\n```", true},
		{"local flag row", "| `--out` | `-o` | string |  | where to write |", true},
		{"inherited flag row, pipe escaped", "| `--profile` |  | string | `default` | profile \\| name |", true},
		{"empty array default blank", "| `--many` |  | stringArray |  | repeatable |", true},
		{"hidden flag skipped", "--secret", false},
		{"hidden command skipped", "gamma", false},
		{"completion added", "## app completion zsh", true},
		{"subcommand list", "- [app beta](#app-beta): second", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Contains(got, tt.text) != tt.present {
				t.Errorf("output contains %q = %v, want %v\n%s", tt.text, !tt.present, tt.present, got)
			}
		})
	}
	if again := renderReference(t, syntheticTree(true)); again != got {
		t.Errorf("output depends on the order commands were added:\n%s", firstDiff(got, again))
	}
	if twice := renderReference(t, syntheticTree(false)); twice != got {
		t.Errorf("output is not deterministic:\n%s", firstDiff(got, twice))
	}
}

func TestAnchor(t *testing.T) {
	tests := map[string]string{
		"tip-cli":                          "tip-cli",
		"tip-cli auth get-iam-credentials": "tip-cli-auth-get-iam-credentials",
		"App S3AG_x (beta)":                "app-s3ag_x-beta",
	}
	for in, want := range tests {
		if got := anchor(in); got != want {
			t.Errorf("anchor(%q) = %q, want %q", in, got, want)
		}
	}
}

// handWrittenDocs are the docs whose tip-cli command lines must match the
// command tree.
var handWrittenDocs = []string{"README.md", "concepts.md", "setup.md", "integration.md", "s3ag.md", "security.md"}

// TestDocsUseRealCommands checks every tip-cli command line in the
// hand-written docs against the tree: the command path must exist and
// every flag must parse. Commands in code blocks must also have valid
// arguments; inline mentions may omit them.
func TestDocsUseRealCommands(t *testing.T) {
	total := 0
	for _, name := range handWrittenDocs {
		data, err := os.ReadFile(filepath.Join(docsDir, name))
		if err != nil {
			t.Fatalf("read docs/%s: %v", name, err)
		}
		blocks, inline := docCommandLines(string(data))
		total += len(blocks) + len(inline)
		for _, words := range blocks {
			if err := checkCommandLine(words, true); err != nil {
				t.Errorf("docs/%s: tip-cli %s: %v", name, strings.Join(words, " "), err)
			}
		}
		for _, words := range inline {
			if err := checkCommandLine(words, false); err != nil {
				t.Errorf("docs/%s: `tip-cli %s`: %v", name, strings.Join(words, " "), err)
			}
		}
	}
	if total < 20 {
		t.Errorf("found only %d tip-cli command lines in the docs: is the scanner broken?", total)
	}
}

func checkCommandLine(words []string, checkArgs bool) error {
	root := newTestRoot()
	root.InitDefaultCompletionCmd()
	c, rest, err := root.Find(words)
	if err != nil {
		return err
	}
	if err := c.ParseFlags(rest); err != nil {
		return err
	}
	if !checkArgs {
		return nil
	}
	return c.ValidateArgs(c.Flags().Args())
}

// docCommandLines returns the arguments of each tip-cli invocation in the
// fenced sh/ini/untagged code blocks of md, and of inline code spans that
// start with "tip-cli ".
func docCommandLines(md string) (blocks, inline [][]string) {
	var prose, code strings.Builder
	inFence, scan := false, false
	for _, line := range strings.SplitAfter(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			lang := strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(line), "`"))
			if !inFence {
				scan = lang == "" || lang == "sh" || lang == "ini"
			} else if scan {
				blocks = append(blocks, invocations(code.String())...)
				code.Reset()
			}
			inFence = !inFence
			continue
		}
		switch {
		case inFence && scan:
			code.WriteString(line)
		case !inFence:
			prose.WriteString(line)
		}
	}
	// Odd-numbered pieces are inside backticks.
	pieces := strings.Split(prose.String(), "`")
	for i := 1; i < len(pieces); i += 2 {
		if rest, ok := strings.CutPrefix(pieces[i], "tip-cli "); ok {
			inline = append(inline, shellWords(strings.ReplaceAll(rest, "\n", " ")))
		}
	}
	return blocks, inline
}

// invocations finds "tip-cli " at a word start (after a path, "(" or
// whitespace) in shell or ini text and splits what follows into words.
func invocations(text string) [][]string {
	var out [][]string
	for i := 0; ; {
		j := strings.Index(text[i:], "tip-cli ")
		if j < 0 {
			return out
		}
		at := i + j
		if at == 0 || strings.ContainsRune(" \t\n(/", rune(text[at-1])) {
			out = append(out, shellWords(text[at+len("tip-cli "):]))
		}
		i = at + len("tip-cli ")
	}
}

// shellWords splits s like a POSIX shell would, for the simple lines in
// our docs: quotes, backslash-newline continuations, and a stop at an
// unquoted newline, comment or operator.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
		}
		cur.Reset()
		inWord = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] == '\n':
			i++
		case c == '\'' || c == '"':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				end = len(s) - i - 1
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord, strings.IndexByte("\n|;&<>)`", c) >= 0:
			flush()
			return words
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
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
	}
	for _, tt := range tests {
		if got := shellWords(tt.in); strings.Join(got, "\x00") != strings.Join(tt.want, "\x00") {
			t.Errorf("shellWords(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCheckCommandLine(t *testing.T) {
	tests := []struct {
		words     []string
		checkArgs bool
		ok        bool
	}{
		{[]string{"auth", "get-iam-credentials", "--format", "env"}, true, true},
		{[]string{"--profile", "work", "configure", "idp", "--config", "x.json"}, true, true},
		{[]string{"exec", "--", "aws", "s3", "ls"}, true, true},
		{[]string{"completion", "bash"}, true, true},
		{[]string{"auth", "login"}, true, false},
		{[]string{"auth", "--no-such-flag"}, false, false},
		{[]string{"configure", "generate-cfn-template"}, true, false},
		{[]string{"configure", "generate-cfn-template"}, false, true},
		{[]string{"s3ag", "get-data-access", "s3://b/", "--policy", "{}"}, false, false},
	}
	for _, tt := range tests {
		if err := checkCommandLine(tt.words, tt.checkArgs); (err == nil) != tt.ok {
			t.Errorf("checkCommandLine(%q, %v) = %v, want ok=%v", tt.words, tt.checkArgs, err, tt.ok)
		}
	}
}
