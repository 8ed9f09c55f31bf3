package demo

import (
	"testing"

	"github.com/tip-cli/tip-cli/internal/depcheck"
)

// TestShippedBinariesLinkNoTestCode: no shipped binary links a test-only
// package (testing, httptest, storetest, iostreamstest, testkit, …) or
// any of the sandbox's test hooks (the exported functions of its
// *hooks.go files), although tip-cli links the sandbox for `demo`. The
// hooks are checked in the built binary's symbols, since the linker keeps
// an unused exported method whenever its type is converted to an
// interface (cobra's text/template calls methods by reflection).
func TestShippedBinariesLinkNoTestCode(t *testing.T) {
	const mod = "github.com/tip-cli/tip-cli"
	hooks := depcheck.Hooks(t, mod+"/internal/sandbox/...")
	if len(hooks) < 20 {
		t.Fatalf("found %d test hooks in the sandbox's *hooks.go files: is the check broken?", len(hooks))
	}
	for _, bin := range []string{"tip-cli", "tip-credential-process", "tip-broker"} {
		t.Run(bin, func(t *testing.T) {
			pkg := mod + "/cmd/" + bin
			for _, d := range depcheck.TestOnly(depcheck.Deps(t, pkg, ""), mod) {
				t.Errorf("%s links the test-only package %s", bin, d)
			}
			syms := depcheck.Symbols(t, pkg)
			if bin == "tip-cli" {
				// The sandbox's production surface is there under the
				// names the hooks are looked up by.
				for _, s := range []string{mod + "/internal/sandbox/awsemu.NewAWS", mod + "/internal/sandbox/awsemu.(*AWS).URL"} {
					if !syms[s] {
						t.Fatalf("tip-cli has no symbol %s: is the check broken?", s)
					}
				}
			}
			for _, h := range hooks {
				if syms[h] {
					t.Errorf("%s links the test hook %s", bin, h)
				}
			}
		})
	}
}
