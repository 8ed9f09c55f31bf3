package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// browserArgvEnv names a file the fake browser appends its argv to.
const browserArgvEnv = "TIP_CLI_TEST_BROWSER_ARGV"

// recordBrowserArgv appends the fake browser's argv to $TIP_CLI_TEST_BROWSER_ARGV.
func recordBrowserArgv() {
	name := os.Getenv(browserArgvEnv)
	if name == "" {
		return
	}
	f, err := os.OpenFile(name, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	_, _ = f.WriteString(strings.Join(os.Args[1:], " ") + "\n")
	_ = f.Close()
}

// TestBrowserArgvCarriesNoSignInParameters (issue 22 item 3): the browser
// tip-cli starts is a process whose argv every local user can read in
// /proc; it must not carry the sign-in's state, PKCE challenge or nonce.
// A second sign-in as another subject than the stored one is warned about.
func TestBrowserArgvCarriesNoSignInParameters(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	k.Configure(t, "default")
	argvFile := filepath.Join(t.TempDir(), "argv")
	env := append(procEnv(t, k), browserArgvEnv+"="+argvFile)
	r := runExe(mustExe(t), env, 1, "auth", "--timeout", "30s")[0]
	if r.code != 0 {
		t.Fatalf("sign-in: exit %d: %s", r.code, r.stderr)
	}
	argv, err := os.ReadFile(argvFile)
	if err != nil || len(argv) == 0 {
		t.Fatalf("the fake browser recorded no argv: %v", err)
	}
	for _, secret := range []string{"state=", "code_challenge", "nonce=", "client_id=", "/authorize"} {
		if strings.Contains(string(argv), secret) {
			t.Errorf("the browser's argv carries %q: %s", secret, argv)
		}
	}

	// The stored sign-in was someone else's: the next one says so, once.
	ctx := context.Background()
	b, err := k.Store.Get(ctx, "default")
	if err != nil || b == nil || b.IdP == nil {
		t.Fatalf("stored sign-in: %+v, %v", b, err)
	}
	b.IdP.Subject, b.IdP.Email = "00u-mallory", "mallory@example.com"
	if err := k.Store.Put(ctx, "default", b); err != nil {
		t.Fatal(err)
	}
	const warn = "warning: this sign-in is alice@example.com (sub 00u-alice), but mallory@example.com (sub 00u-mallory) was signed in before"
	for i, want := range []bool{true, false} {
		r := runExe(mustExe(t), env, 1, "auth", "--timeout", "30s")[0]
		if r.code != 0 {
			t.Fatalf("sign-in %d: exit %d: %s", i+2, r.code, r.stderr)
		}
		if got := strings.Contains(r.stderr, warn); got != want {
			t.Errorf("sign-in %d: warned %v, want %v:\n%s", i+2, got, want, r.stderr)
		}
	}
}

func mustExe(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe
}
