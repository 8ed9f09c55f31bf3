package app

import (
	"slices"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/depcheck"
)

const mod = "github.com/tip-cli/tip-cli/"

// sharedLeaves are the only packages outside internal/broker that both
// binaries link: small leaves with no state, no profile and no secrets.
var sharedLeaves = []string{
	mod + "internal/awsid",     // account ids, assumed-role ARNs
	mod + "internal/cfn",       // template model (the broker's template is built with it)
	mod + "internal/cmdbase",   // exit codes, FlagError, Report, BuildInfo
	mod + "internal/iamoidc",   // IAM OIDC provider names (cfn's)
	mod + "internal/iostreams", // the process's streams
	mod + "internal/issuerurl", // the issuer URL rule (cfn's)
	mod + "internal/loopback",  // the loopback-host predicate
}

// TestBrokerLinksNothingOfTipCLI keeps tip-broker (and so the Lambda zip)
// free of tip-cli: of tip-cli's packages it links only the shared leaves,
// so never its entry point, commands, profiles (config), secret store,
// keyring, browser launcher, sandbox or diagnostics. No exemption: the
// broker's commands live in internal/broker/cmd.
func TestBrokerLinksNothingOfTipCLI(t *testing.T) {
	deps := depcheck.Deps(t, mod+"cmd/tip-broker", "")
	for _, dep := range depcheck.Matching(deps, []string{mod}) {
		if !strings.HasPrefix(dep, mod+"internal/broker/") && dep != mod+"cmd/tip-broker" && !slices.Contains(sharedLeaves, dep) {
			t.Errorf("tip-broker links %s (tip-cli's, not a shared leaf)", dep)
		}
	}
	for _, dep := range depcheck.Matching(deps, []string{"github.com/zalando/go-keyring", "github.com/godbus/", "github.com/pkg/browser", "github.com/coreos/go-oidc"}) {
		t.Errorf("tip-broker links %s", dep)
	}
	// The check must see the broker's own tree and the leaves it uses.
	for _, want := range []string{mod + "internal/broker/cmd", mod + "internal/broker/server", mod + "internal/cmdbase"} {
		if !slices.Contains(deps, want) {
			t.Errorf("tip-broker does not link %s: is the check looking at the right binary?", want)
		}
	}
}

// TestTipCLILinksNothingOfBroker is the other direction: neither tip-cli
// nor the lean credential_process binary links any of tip-broker's
// packages or its emulators.
func TestTipCLILinksNothingOfBroker(t *testing.T) {
	for _, bin := range []string{mod + "cmd/tip-cli", mod + "cmd/tip-credential-process"} {
		deps := depcheck.Deps(t, bin, "")
		for _, dep := range depcheck.Matching(deps, []string{mod + "internal/broker", mod + "internal/sandbox/brokeremu"}) {
			t.Errorf("%s links %s", bin, dep)
		}
		if bin == mod+"cmd/tip-cli" && !slices.Contains(deps, mod+"internal/cfn") {
			t.Errorf("tip-cli does not link internal/cfn: is the check looking at the right binary?")
		}
	}
}
