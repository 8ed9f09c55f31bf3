package lean

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestLeanDependencies is the dependency discipline that keeps the lean
// binary near the floor: for every release platform, the packages it links
// include no AWS SDK (nor smithy), no cobra/pflag, no oidc/oauth2, no
// sandbox and none of tip-cli's SDK-bound packages.
func TestLeanDependencies(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	forbidden := []string{
		"github.com/aws/", "github.com/spf13/", "github.com/coreos/go-oidc", "golang.org/x/oauth2",
		"github.com/pkg/browser",
		"github.com/tip-cli/tip-cli/internal/sandbox", "github.com/tip-cli/tip-cli/internal/exchange",
		"github.com/tip-cli/tip-cli/internal/idp", "github.com/tip-cli/tip-cli/internal/session",
		"github.com/tip-cli/tip-cli/internal/cmdutil", "github.com/tip-cli/tip-cli/internal/app",
		"github.com/tip-cli/tip-cli/internal/s3ag/dataaccess",
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		// The go command of the toolchain running the test, PATH or not.
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "list", "-deps", "github.com/tip-cli/tip-cli/cmd/tip-credential-process")
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go list (%s): %v", goos, err)
		}
		deps := strings.Fields(string(out))
		if len(deps) < 20 || !contains(deps, "github.com/tip-cli/tip-cli/internal/lean") {
			t.Fatalf("go list (%s) listed %d packages without internal/lean: is the check broken?", goos, len(deps))
		}
		for _, d := range deps {
			for _, f := range forbidden {
				if strings.HasPrefix(d, f) {
					t.Errorf("%s: tip-credential-process links %s", goos, d)
				}
			}
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
