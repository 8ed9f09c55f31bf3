// Package depcheck lists the packages a binary links, for the tests that
// keep a binary free of packages it must not carry (tip-broker of tip-cli,
// the lean credential_process binary of the AWS SDK, tip-cli of the
// broker-side emulators).
package depcheck

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Deps returns the import paths `go list -deps pkg` prints, for goos with
// CGO off when goos is set (else for the host). It skips under -short and
// fails the test when the list is implausibly short, so a broken check
// cannot pass by listing nothing.
func Deps(t testing.TB, pkg, goos string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	// "go" is the toolchain running the test: go test puts its own
	// GOROOT/bin first on the test binary's PATH (since go1.19).
	cmd := exec.Command("go", "list", "-deps", pkg)
	if goos != "" {
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s (%s): %v", pkg, goos, err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 10 || !slices.Contains(deps, pkg) {
		t.Fatalf("go list -deps %s (%s) listed %d packages without the package itself: is the check broken?", pkg, goos, len(deps))
	}
	return deps
}

// Matching returns the deps that are one of patterns or lie below one:
// "a/b" matches a/b and a/b/...; a pattern ending in "/" matches every
// path starting with it.
func Matching(deps, patterns []string) []string {
	var out []string
	for _, d := range deps {
		for _, p := range patterns {
			if d == p || strings.HasPrefix(d, p+"/") || strings.HasSuffix(p, "/") && strings.HasPrefix(d, p) {
				out = append(out, d)
				break
			}
		}
	}
	return out
}
