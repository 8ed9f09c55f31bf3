package app

import (
	"os"
	"os/exec"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
)

// A credential_process call is SIGKILLed after CreateTokenWithIAM spent its
// assertion and before it saved the session; the AWS CLI calls again at
// once. The IdP issues no jti and its clock stands still until the test
// moves it, so the retry's refresh returns the very token the killed
// process presented: the ledger, saved before the presentation, must make
// the retry wait for a different token instead of replaying it (which the
// AWS emulation refuses, as Identity Center does).
func TestKilledAfterCreateTokenRetryNeverReplays(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	clock := testclock.New(time.Now().Truncate(time.Second))
	k := expiredSessionWith(t, sandbox.EnvOptions{Now: clock.Now, NoJTI: true})
	clock.Advance(time.Second) // the killed process's refresh gets a new token
	idp, aws := k.Env.IdP, k.Env.AWS
	refreshes := func() int { return idp.Counts()["token:refresh_token"] }

	aws.SetDelay("AssumeRole", 20*time.Second)
	assumes := aws.Counts()["AssumeRole"]
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "auth", "get-iam-credentials", "--non-interactive")
	cmd.Env = procEnv(t, k)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for aws.Counts()["AssumeRole"] == assumes && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	aws.SetDelay("AssumeRole", 0)
	exchanges := aws.Counts()["CreateTokenWithIAM"]
	b, _ := k.Store.Get(t.Context(), "default")
	if b == nil || b.PresentedEntry(b.IdP.IDToken, time.Now()) == nil {
		t.Fatal("the killed process's assertion is not in the saved ledger")
	}

	// The IdP's clock moves on only once the retry has seen the repeat:
	// the retry's first refresh answer (issued, held) lets the clock move,
	// then goes out. Moving it when the refresh was counted raced the IdP,
	// which counts before it issues: the first answer could be new already.
	afterKill := refreshes()
	spent, release := idp.HoldRefreshAnswers()
	defer release()
	var moved atomic.Bool
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
			return
		case <-spent:
		}
		clock.Advance(time.Second)
		moved.Store(true)
		release()
	}()
	r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--non-interactive")
	if r[0].code != 0 {
		t.Fatalf("retry after SIGKILL: exit %d: %s", r[0].code, r[0].stderr)
	}
	accessKeys(t, r)
	if !moved.Load() || refreshes()-afterKill < 2 {
		t.Errorf("retry refreshed %d times, want a repeat then a new token", refreshes()-afterKill)
	}
	if n := aws.Counts()[awsemu.ReplayRefusedCount]; n != 0 {
		t.Errorf("replayed assertions refused = %d, want 0", n)
	}
	if n := aws.Counts()["CreateTokenWithIAM"] - exchanges; n != 1 {
		t.Errorf("retry exchanges = %d, want 1", n)
	}
}
