package session_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestRetryNeverRepresentsAssertion (issue 22 item 10): with the SDK's
// default retryer, a 500 from CreateTokenWithIAM made the SDK send the same
// single-use assertion again. The step must present it once; the next call
// presents a fresh token.
func TestRetryNeverRepresentsAssertion(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	base := k.F.AWSConfig
	k.F.AWSConfig = func(ctx context.Context, region string) (aws.Config, error) {
		cfg, err := base(ctx, region)
		cfg.RetryMaxAttempts = 3 // what tip-cli gets outside the sandbox
		return cfg, err
	}
	p := k.Configure(t, "default")
	m, err := k.F.Manager(p, cmdutil.SignInOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	k.Env.AWS.FailNext("CreateTokenWithIAM", http.StatusInternalServerError, "InternalServerException", "injected")
	if _, _, err := m.SignInAndExchange(ctx); err == nil || !strings.Contains(err.Error(), "InternalServerException") {
		t.Fatalf("first exchange = %v, want the injected 500", err)
	}
	if _, err := m.Credentials(ctx, exchange.Scope{}, false); err != nil {
		t.Fatalf("next call: %v", err)
	}
	seen := map[[32]byte]int{}
	reqs := k.Env.AWS.Requests("CreateTokenWithIAM")
	for _, r := range reqs {
		a, _ := r.JSON["assertion"].(string)
		seen[sha256.Sum256([]byte(a))]++
	}
	if len(reqs) != 2 || len(seen) != 2 {
		t.Errorf("CreateTokenWithIAM presented %d assertions, %d distinct; want 2 and 2 (never one twice)", len(reqs), len(seen))
	}
	if n := k.Env.AWS.Counts()[awsemu.ReplayRefusedCount]; n != 0 {
		t.Errorf("replayed assertions refused = %d, want 0", n)
	}
}

// TestHangingEndpointIsBounded (issue 22 item 9): an AWS endpoint that
// accepts and never answers ended a call only after 3 attempts × 60 s. Each
// network phase is bounded by NetTimeout, and the error says who hung.
func TestHangingEndpointIsBounded(t *testing.T) {
	k := testkit.New(t, sandbox.EnvOptions{})
	p := k.Configure(t, "default")
	m := signedIn(t, k, p)
	ctx := context.Background()
	k.Env.AWS.SetDelay("AssumeRoleWithWebIdentity", time.Minute)
	t.Cleanup(func() { k.Env.AWS.SetDelay("AssumeRoleWithWebIdentity", 0) })
	// The bound applies to each phase, the IdP refresh before the hanging
	// call too: 1 s leaves that refresh (a few ms) room on a loaded machine
	// under -race, where 200 ms could be missed by chance; the hang is 60 s.
	m.NetTimeout = time.Second
	start := time.Now()
	_, err := m.Credentials(ctx, exchange.Scope{}, true)
	if err == nil || !strings.Contains(err.Error(), "the AWS exchange did not answer within 1s") {
		t.Fatalf("Credentials = %v, want the bounded-time error", err)
	}
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("the call took %s with a 1s bound", took)
	}
}
