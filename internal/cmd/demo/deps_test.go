package demo

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestTipCLILinksNoBrokerEmulators keeps the sandbox split honest: tip-cli
// (whose demo runs the sandbox) links the IdP and AWS emulators of the TIP
// chain and none of tip-broker's (sandbox/brokeremu).
func TestTipCLILinksNoBrokerEmulators(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", "github.com/tip-cli/tip-cli/cmd/tip-cli").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	const sb = "github.com/tip-cli/tip-cli/internal/sandbox"
	for _, want := range []string{sb, sb + "/idpemu", sb + "/awsemu"} {
		if !slices.Contains(deps, want) {
			t.Errorf("tip-cli does not link %s: is demo still wired to the sandbox?", want)
		}
	}
	for _, dep := range deps {
		if dep == sb+"/brokeremu" || strings.HasPrefix(dep, sb+"/brokeremu/") {
			t.Errorf("tip-cli links %s", dep)
		}
	}
}
