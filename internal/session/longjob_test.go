package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestRefreshesPerTwelveHours counts what a 12-hour job costs in each mode
// (docs/performance.md): a caller asks for credentials every minute of a
// clock that runs 12 hours; every refresh goes through the real manager,
// IdP and AWS emulation. identity-center sessions last 1 h and are served
// until 16 minutes before expiry (margin + skew), so they refresh every
// 44 minutes with 1 IdP and 3 AWS round trips; a 12-hour federation
// session refreshes once, with 1 IdP and 1 AWS round trip.
func TestRefreshesPerTwelveHours(t *testing.T) {
	tests := []struct {
		mode                 string
		refreshes, awsPerOne int
	}{
		{config.TIPModeIdentityCenter, 16, 3},
		{config.TIPModeIAMFederation, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			clock := testclock.New(time.Now().Truncate(time.Second))
			k := testkit.New(t, sandbox.EnvOptions{Now: clock.Now, ContextProvider: sandbox.ContextProviderEmail()})
			p := k.Configure(t, "default")
			if tt.mode == config.TIPModeIAMFederation {
				p = k.ConfigureFederation(t, "default", 12*time.Hour)
			}
			m := signedIn(t, k, p)
			ctx := context.Background()
			idp0, aws0 := k.Env.IdP.Counts()["token:refresh_token"], total(k.Env.AWS.Counts())
			for minute := 1; minute <= 12*60; minute++ {
				clock.Advance(time.Minute)
				if _, err := m.Credentials(ctx, exchange.Scope{}, false); err != nil {
					t.Fatalf("minute %d: %v", minute, err)
				}
			}
			refreshes := k.Env.IdP.Counts()["token:refresh_token"] - idp0
			awsCalls := total(k.Env.AWS.Counts()) - aws0
			t.Logf("%s: %d refreshes in 12 h, %d AWS round trips", tt.mode, refreshes, awsCalls)
			if refreshes != tt.refreshes || awsCalls != tt.refreshes*tt.awsPerOne {
				t.Errorf("%d refreshes and %d AWS calls, want %d and %d", refreshes, awsCalls, tt.refreshes, tt.refreshes*tt.awsPerOne)
			}
		})
	}
}

// total sums the emulation's per-operation counters of the chain's calls.
func total(counts map[string]int) int {
	return counts["AssumeRoleWithWebIdentity"] + counts["CreateTokenWithIAM"] + counts["AssumeRole"]
}
