package app

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestKilledDuringRefreshNeverReplaysRefreshToken (issue 22 item 2): a
// tip-cli killed after the IdP rotated the refresh token but before its
// answer arrived used to leave the old token stored, and the next call
// presented it again: the IdP revoked the whole grant. The intent record
// makes the next call ask for a sign-in instead, and the grant survives.
func TestKilledDuringRefreshNeverReplaysRefreshToken(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := expiredSession(t)
	spent, release := k.Env.IdP.HoldRefreshAnswers()
	defer release()
	killMidRefresh(t, k, func() bool {
		select {
		case <-spent: // the IdP rotated; its answer is held
			return true
		case <-time.After(30 * time.Second):
			return false
		}
	})
	release()

	assertSignInRequested(t, k)
	if n := k.Env.IdP.Counts()[idpemu.ReuseRevokedCount]; n != 0 {
		t.Errorf("the old refresh token was presented again %d times (the IdP revoked the grant)", n)
	}
	// A new sign-in recovers, and the grant was never revoked.
	if r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--timeout", "30s")[0]; r.code != 0 {
		t.Errorf("sign-in after the kill: exit %d: %s", r.code, r.stderr)
	}
}

// killMidRefresh starts a credential call and SIGKILLs it once held
// reports that the IdP rotated the refresh token and holds its answer
// (false: the refresh never got there, and the test fails).
func killMidRefresh(t *testing.T, k *testkit.Kit, held func() bool) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "auth", "get-iam-credentials", "--non-interactive")
	cmd.Env = procEnv(t, k)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !held() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the refresh never reached the IdP")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
}

// assertSignInRequested: the call after a kill mid-refresh asks for a
// sign-in (the marked refresh token is never sent twice), on stderr only.
func assertSignInRequested(t *testing.T, k *testkit.Kit) {
	t.Helper()
	r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--non-interactive")[0]
	if r.code != cmdutil.ExitAuth || r.stdout != "" || !strings.Contains(r.stderr, "never sent twice") {
		t.Errorf("call after the kill: exit %d stdout %q stderr %q; want a sign-in request", r.code, r.stdout, r.stderr)
	}
}
