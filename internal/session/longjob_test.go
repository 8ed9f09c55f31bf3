package session_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testclock"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestRefreshesPerTwelveHours counts what a 12-hour job costs in each mode
// (docs/performance.md): a caller asks for credentials every minute of a
// clock that runs 12 hours; every refresh goes through the real manager,
// IdP and AWS emulation. identity-center sessions last 1 h and are served
// until 16 minutes before expiry (margin + skew), so they refresh every
// 44 minutes with 1 IdP and 3 AWS round trips; a 12-hour federation
// session refreshes once, with 1 IdP and 1 AWS round trip. Each refresh
// writes the store: the intent record and the rotated tokens (rotate), the
// ledger entry (identity-center only: its assertion is single-use) and the
// new session.
func TestRefreshesPerTwelveHours(t *testing.T) {
	tests := []struct {
		mode                        string
		refreshes, awsPerOne, saves int
	}{
		{config.TIPModeIdentityCenter, 16, 3, 4},
		{config.TIPModeIAMFederation, 1, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			clock := testclock.New(time.Now().Truncate(time.Second))
			k := testkit.New(t, sandbox.EnvOptions{Now: clock.Now, ContextProvider: sandbox.ContextProviderEmail()})
			puts := &putCounter{Store: k.Store}
			k.Store = puts
			p := k.Configure(t, "default")
			if tt.mode == config.TIPModeIAMFederation {
				p = k.ConfigureFederation(t, "default", 12*time.Hour)
			}
			m := signedIn(t, k, p)
			ctx := context.Background()
			idp0, aws0, puts0 := k.Env.IdP.Counts()["token:refresh_token"], total(k.Env.AWS.Counts()), puts.n.Load()
			for minute := 1; minute <= 12*60; minute++ {
				clock.Advance(time.Minute)
				if _, err := m.Credentials(ctx, exchange.Scope{}, false); err != nil {
					t.Fatalf("minute %d: %v", minute, err)
				}
			}
			refreshes := k.Env.IdP.Counts()["token:refresh_token"] - idp0
			awsCalls := total(k.Env.AWS.Counts()) - aws0
			saves := int(puts.n.Load() - puts0)
			t.Logf("%s: %d refreshes in 12 h, %d AWS round trips, %d store writes", tt.mode, refreshes, awsCalls, saves)
			if refreshes != tt.refreshes || awsCalls != tt.refreshes*tt.awsPerOne {
				t.Errorf("%d refreshes and %d AWS calls, want %d and %d", refreshes, awsCalls, tt.refreshes, tt.refreshes*tt.awsPerOne)
			}
			if saves != tt.refreshes*tt.saves {
				t.Errorf("%d store writes for %d refreshes, want %d each", saves, refreshes, tt.saves)
			}
		})
	}
}

// putCounter counts the writes to the store it wraps.
type putCounter struct {
	store.Store
	n atomic.Int64
}

func (c *putCounter) Put(ctx context.Context, profile string, b *store.Bundle) error {
	c.n.Add(1)
	return c.Store.Put(ctx, profile, b)
}

// total sums the emulation's per-operation counters of the chain's calls.
func total(counts map[string]int) int {
	return counts["AssumeRoleWithWebIdentity"] + counts["CreateTokenWithIAM"] + counts["AssumeRole"]
}
