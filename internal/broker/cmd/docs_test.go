package cmd

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/cmd/cmddocs"
	"github.com/tip-cli/tip-cli/internal/cmdbase"
	"github.com/tip-cli/tip-cli/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite docs/broker-reference.md from the command tree")

// repoDir is the repository's root, seen from this package.
var repoDir = filepath.Join("..", "..", "..")

// newDocsRoot builds the real tip-broker tree with Deps that have only
// what construction needs.
func newDocsRoot() *cobra.Command {
	ios, _, _, _ := iostreams.Test()
	return NewCmdRoot(&Deps{IOStreams: ios, Getenv: func(string) string { return "" }}, cmdbase.BuildInfo{Version: "dev"})
}

func renderBrokerReference(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	h := cmddocs.Header{Program: "tip-broker", Regenerate: "go test ./internal/broker/cmd -update"}
	root := newDocsRoot()
	if err := cmddocs.WriteReference(&buf, root, h); err != nil {
		t.Fatalf("WriteReference: %v", err)
	}
	writeRoutes(&buf, root)
	return buf.String()
}

// writeRoutes appends the HTTP API section, read from the route table
// (internal/broker/api): each route, how its caller is authenticated and
// the client command that calls it.
func writeRoutes(b *bytes.Buffer, root *cobra.Command) {
	b.WriteString("\n## HTTP API\n\nGenerated from the route table (`internal/broker/api`); " +
		"[broker.md](broker.md#api) describes the requests and answers.\n\n" +
		"| route | caller authentication | client command |\n|---|---|---|\n")
	d := &Deps{Getenv: func(string) string { return "" }}
	for _, r := range api.Routes() {
		auth, command := "the caller's IAM role (presigned GetCallerIdentity, or SigV4 in Lambda mode)", "none"
		if r.Public {
			auth = "none"
		}
		if c := clientCommand(d, r); c != nil {
			command = "`" + root.Name() + " " + c.Name() + "`"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s |\n", r.Key(), auth, command)
	}
}

func TestBrokerReferenceIsCurrent(t *testing.T) {
	path := filepath.Join(repoDir, "docs", "broker-reference.md")
	if err := cmddocs.MatchFile(path, renderBrokerReference(t), *update); err != nil {
		t.Fatalf("docs/broker-reference.md is stale: run go test ./internal/broker/cmd -update\n%v", err)
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

// TestBrokerDocsDescribeEveryRoute: the hand-written API section of
// docs/broker.md (bodies and answers) has a row for every route of the
// table, and names no route the table lacks.
func TestBrokerDocsDescribeEveryRoute(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoDir, "docs", "broker.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		// A row of the API table starts with the route in backticks:
		// | `GET /credentials?jwt=…` | …
		rest, ok := strings.CutPrefix(line, "| `")
		if !ok {
			continue
		}
		method, path, ok := strings.Cut(rest[:strings.IndexAny(rest+"`", "`")], " ")
		if !ok || strings.ToUpper(method) != method || !strings.HasPrefix(path, "/") {
			continue
		}
		path, _, _ = strings.Cut(path, "?")
		rows[method+" "+path] = true
	}
	for _, r := range api.Routes() {
		if !rows[r.Key()] {
			t.Errorf("docs/broker.md has no API row for %s", r.Key())
		}
		delete(rows, r.Key())
	}
	for key := range rows {
		t.Errorf("docs/broker.md describes %s, which is not in the route table", key)
	}
}
