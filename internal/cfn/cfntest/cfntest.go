// Package cfntest holds test helpers for CloudFormation templates built
// with internal/cfn, shared by the test suites of every package that
// builds one: golden files, YAML/JSON agreement, reading a template back
// as generic data, reference and dependency checks, and cfn-lint.
//
// It does not import internal/cfn (whose own tests use it); templates are
// passed as Encoder, which *cfn.Template implements.
package cfntest

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// lintEnv is the environment variable that enables Lint ("1").
const lintEnv = "TIP_TEST_CFN_LINT"

// Encoder is a template that encodes itself, as *cfn.Template does.
type Encoder interface {
	YAML() ([]byte, error)
	JSON() ([]byte, error)
}

// shortTagRE matches a YAML short-form intrinsic (!Ref, !Sub, …) used as a
// tag; the templates spell intrinsics as mappings instead.
var shortTagRE = regexp.MustCompile(`(?m)(^|[\s\[,])![A-Za-z]`)

// Golden builds a template twice, encodes it as JSON when name ends in
// ".json" and as YAML otherwise, and compares the result with
// testdata/name. It fails when the two builds encode differently, the
// YAML uses short tags or the two encodings differ (sameDocument). With
// update it rewrites the golden file instead of comparing.
func Golden(t testing.TB, name string, build func() (Encoder, error), update bool) {
	t.Helper()
	e, err := build()
	if err != nil {
		t.Fatal(err)
	}
	sameDocument(t, e)
	got := encode(t, name, e)
	e, err = build()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, encode(t, name, e)) {
		t.Fatal("template is not deterministic")
	}
	if shortTagRE.Match(got) {
		t.Error("output uses YAML short tags")
	}
	path := filepath.Join("testdata", name)
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update in this package): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update in this package and review)\n got:\n%s", name, got)
	}
}

func encode(t testing.TB, name string, e Encoder) []byte {
	t.Helper()
	b, err := e.YAML()
	if strings.HasSuffix(name, ".json") {
		b, err = e.JSON()
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ParseYAML encodes e as YAML and reads it back as generic data.
func ParseYAML(t testing.TB, e Encoder) map[string]any {
	t.Helper()
	y, err := e.YAML()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.Unmarshal(y, &m); err != nil {
		t.Fatalf("yaml does not parse back: %v", err)
	}
	return m
}

// sameDocument fails unless the YAML and JSON encodings of e carry the
// same document.
func sameDocument(t testing.TB, e Encoder) {
	t.Helper()
	y, err := e.YAML()
	if err != nil {
		t.Fatal(err)
	}
	j, err := e.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var fromYAML, fromJSON, normalized any
	if err := yaml.Unmarshal(y, &fromYAML); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(j, &fromJSON); err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(fromYAML) // normalizes ints to float64
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &normalized); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalized, fromJSON) {
		t.Errorf("yaml and json differ:\nyaml→json %s\njson %s", b, j)
	}
}

// Lint runs cfn-lint (AWS's CloudFormation linter, with the resource
// schemas and IAM action lists) over the templates in testdata/;
// informational findings fail too. It is opt-in with TIP_TEST_CFN_LINT=1 (lintEnv) because
// cfn-lint is a Python tool that takes seconds.
func Lint(t testing.TB) {
	t.Helper()
	if os.Getenv(lintEnv) != "1" {
		t.Skipf("set %s=1 to lint the templates with cfn-lint", lintEnv)
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatalf("%s=1 but cfn-lint is not on PATH", lintEnv)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	if len(files) == 0 {
		t.Fatal("no golden templates")
	}
	args := append([]string{"--include-checks", "I", "--"}, files...)
	out, err := exec.Command(lint, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
