package demo

import (
	"slices"
	"testing"

	"github.com/tip-cli/tip-cli/internal/depcheck"
)

// TestTipCLILinksNoBrokerEmulators keeps the sandbox split honest: tip-cli
// (whose demo runs the sandbox) links the IdP and AWS emulators of the TIP
// chain and none of tip-broker's (sandbox/brokeremu).
func TestTipCLILinksNoBrokerEmulators(t *testing.T) {
	deps := depcheck.Deps(t, "github.com/tip-cli/tip-cli/cmd/tip-cli", "")
	const sb = "github.com/tip-cli/tip-cli/internal/sandbox"
	for _, want := range []string{sb, sb + "/idpemu", sb + "/awsemu"} {
		if !slices.Contains(deps, want) {
			t.Errorf("tip-cli does not link %s: is demo still wired to the sandbox?", want)
		}
	}
	for _, dep := range depcheck.Matching(deps, []string{sb + "/brokeremu"}) {
		t.Errorf("tip-cli links %s", dep)
	}
}
