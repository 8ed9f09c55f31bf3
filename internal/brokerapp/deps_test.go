package brokerapp

import (
	"testing"

	"github.com/tip-cli/tip-cli/internal/depcheck"
)

// TestBrokerLinksNothingOfTipCLI keeps tip-broker (and so the Lambda zip)
// free of tip-cli's entry point, secret store, keyring, browser launcher,
// sandbox, diagnostics and demo.
func TestBrokerLinksNothingOfTipCLI(t *testing.T) {
	deps := depcheck.Deps(t, "github.com/tip-cli/tip-cli/cmd/tip-broker", "")
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
	for _, dep := range depcheck.Matching(deps, forbidden) {
		if dep != "github.com/tip-cli/tip-cli/internal/cmd/broker" {
			t.Errorf("tip-broker links %s", dep)
		}
	}
}
