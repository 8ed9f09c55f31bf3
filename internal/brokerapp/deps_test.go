package brokerapp

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBrokerLinksNothingOfTipCLI keeps tip-broker (and so the Lambda zip)
// free of tip-cli's entry point, secret store, keyring, browser launcher,
// sandbox, diagnostics and demo: it lists the binary's dependencies with
// `go list -deps` and fails on any of them.
func TestBrokerLinksNothingOfTipCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goBin, "list", "-deps", "github.com/tip-cli/tip-cli/cmd/tip-broker").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/tip-cli/tip-cli/internal/app",
		"github.com/tip-cli/tip-cli/internal/store",
		"github.com/tip-cli/tip-cli/internal/sandbox",
		"github.com/tip-cli/tip-cli/internal/diag",
		"github.com/tip-cli/tip-cli/internal/cmd/",
		"github.com/tip-cli/tip-cli/internal/cmdutil",
		"github.com/tip-cli/tip-cli/internal/session",
		"github.com/tip-cli/tip-cli/internal/idp",
		"github.com/zalando/go-keyring",
		"github.com/godbus/",
		"github.com/pkg/browser",
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 {
		t.Fatalf("go list printed %d packages, expected the whole closure", len(deps))
	}
	for _, dep := range deps {
		for _, bad := range forbidden {
			if dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) {
				if dep == "github.com/tip-cli/tip-cli/internal/cmd/broker" {
					continue
				}
				t.Errorf("tip-broker links %s (matches %s)", dep, bad)
			}
		}
	}
}
