package broker

import (
	"bytes"
	"flag"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmd/cmddocs"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
)

var update = flag.Bool("update", false, "rewrite docs/broker-reference.md from the command tree")

// repoDir is the repository's root, seen from this package.
var repoDir = filepath.Join("..", "..", "..")

// newDocsRoot builds the real tip-broker tree with Deps that have only
// what construction needs.
func newDocsRoot() *cobra.Command {
	ios, _, _, _ := iostreamstest.New()
	return NewCmdRoot(&Deps{IOStreams: ios, Getenv: func(string) string { return "" }}, cmdbase.BuildInfo{Version: "dev"})
}

func renderBrokerReference(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	h := cmddocs.Header{Program: "tip-broker", Regenerate: "go test ./internal/cmd/broker -update"}
	if err := cmddocs.WriteReference(&buf, newDocsRoot(), h); err != nil {
		t.Fatalf("WriteReference: %v", err)
	}
	return buf.String()
}

func TestBrokerReferenceIsCurrent(t *testing.T) {
	path := filepath.Join(repoDir, "docs", "broker-reference.md")
	if err := cmddocs.MatchFile(path, renderBrokerReference(t), *update); err != nil {
		t.Fatalf("docs/broker-reference.md is stale: run go test ./internal/cmd/broker -update\n%v", err)
	}
}

// TestBrokerDocsUseRealCommands checks every tip-broker command line in the
// hand-written docs against the tree: the command path must exist and
// every flag must parse. Commands in code blocks and console prompts must
// also have valid arguments; inline mentions may omit them.
func TestBrokerDocsUseRealCommands(t *testing.T) {
	checker := cmddocs.Checker{Program: "tip-broker", NewRoot: newDocsRoot}
	found, problems, err := checker.CheckFiles(repoDir, "docs/broker.md", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
	if found < 10 {
		t.Errorf("found only %d tip-broker command lines in the docs: is the scanner broken?", found)
	}
}
