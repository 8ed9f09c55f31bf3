package lean

import (
	"slices"
	"testing"

	"github.com/tip-cli/tip-cli/internal/depcheck"
)

// TestLeanDependencies is the dependency discipline that keeps the lean
// binary near the floor: for every release platform, the packages it links
// include no AWS SDK (nor smithy), no cobra/pflag, no oidc/oauth2, no
// sandbox and none of tip-cli's SDK-bound packages; on Linux also no D-Bus,
// no keyring library and no package net.
func TestLeanDependencies(t *testing.T) {
	forbidden := []string{
		"github.com/aws/", "github.com/spf13/", "github.com/coreos/go-oidc", "golang.org/x/oauth2",
		"github.com/pkg/browser",
		"github.com/tip-cli/tip-cli/internal/sandbox", "github.com/tip-cli/tip-cli/internal/exchange",
		"github.com/tip-cli/tip-cli/internal/idp", "github.com/tip-cli/tip-cli/internal/session",
		"github.com/tip-cli/tip-cli/internal/cmdutil", "github.com/tip-cli/tip-cli/internal/app",
		"github.com/tip-cli/tip-cli/internal/s3ag/dataaccess",
	}
	for _, goos := range []string{"linux", "darwin", "windows"} {
		deps := depcheck.Deps(t, "github.com/tip-cli/tip-cli/cmd/tip-credential-process", goos)
		if !slices.Contains(deps, "github.com/tip-cli/tip-cli/internal/lean") {
			t.Fatalf("go list (%s) listed no internal/lean: is the check broken?", goos)
		}
		for _, d := range depcheck.Matching(deps, forbidden) {
			t.Errorf("%s: tip-credential-process links %s", goos, d)
		}
		if goos != "linux" {
			continue
		}
		// On Linux the lean binary reads keys from the kernel keyring cache
		// and hands a miss to tip-cli (#23): no D-Bus, no keyring library,
		// and so no package net (only godbus brought it in), which costs
		// start-up time on every call.
		for _, d := range depcheck.Matching(deps, []string{"github.com/godbus/", "github.com/zalando/",
			"github.com/tip-cli/tip-cli/internal/store/oskeyring"}) {
			t.Errorf("linux: tip-credential-process links %s", d)
		}
		if slices.Contains(deps, "net") {
			t.Error("linux: tip-credential-process links package net")
		}
	}
}
