package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestCfnLint runs cfn-lint (AWS's CloudFormation linter, with the resource
// schemas and IAM action lists) over the golden templates. Opt-in with
// TIP_TEST_CFN_LINT=1 because cfn-lint is a Python tool that takes seconds.
func TestCfnLint(t *testing.T) {
	if os.Getenv("TIP_TEST_CFN_LINT") != "1" {
		t.Skip("set TIP_TEST_CFN_LINT=1 to lint the templates with cfn-lint")
	}
	lint, err := exec.LookPath("cfn-lint")
	if err != nil {
		t.Fatal("TIP_TEST_CFN_LINT=1 but cfn-lint is not on PATH")
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	if len(files) == 0 {
		t.Fatal("no golden templates")
	}
	// --include-checks I: informational findings fail the test too.
	args := append([]string{"--include-checks", "I", "--"}, files...)
	out, err := exec.Command(lint, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
