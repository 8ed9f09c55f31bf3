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
