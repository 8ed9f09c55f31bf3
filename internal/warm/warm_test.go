package warm

import (
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/store"
)

var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

// chain is the profile's chain id the tests serve under.
const chain = "chain-a"

func bundle(exp, minted time.Time) *store.Served { return bundleOf(exp, minted, chain) }

func bundleOf(exp, minted time.Time, chainID string) *store.Served {
	b := &store.Bundle{}
	b.SetSession("", &cred.Credentials{AccessKeyID: "AK", Expiration: exp, MintedAt: minted, Chain: chainID})
	return b.ServedPart()
}

func TestPrintable(t *testing.T) {
	def := credproc.DefaultPolicy()
	short := credproc.Policy{Margin: time.Nanosecond, Skew: 0}
	tests := []struct {
		name   string
		b      *store.Served
		key    string
		policy credproc.Policy
		want   bool
	}{
		{"an hour left", bundle(t0.Add(time.Hour), t0), "", def, true},
		{"nil bundle", nil, "", def, false},
		{"other scope", bundle(t0.Add(time.Hour), t0), "scoped-x", def, false},
		// Minted under another mode or role (or before chains were
		// recorded): never served, whatever its expiry.
		{"other chain", bundleOf(t0.Add(time.Hour), t0, "chain-b"), "", def, false},
		{"no chain recorded", bundleOf(t0.Add(time.Hour), t0, ""), "", def, false},
		{"14 minutes left", bundle(t0.Add(14*time.Minute), t0.Add(-46*time.Minute)), "", def, false},
		{"16 minutes left", bundle(t0.Add(17*time.Minute), t0.Add(-43*time.Minute)), "", def, true},
		{"just minted 15 minute session", bundle(t0.Add(15*time.Minute), t0), "", def, true},
		// A policy without skew would serve these; the floor does not.
		{"59 seconds left, no skew", bundle(t0.Add(59*time.Second), t0.Add(-time.Hour)), "", short, false},
		{"61 seconds left, no skew", bundle(t0.Add(61*time.Second), t0.Add(-time.Hour)), "", short, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Printable(tt.b, tt.key, chain, tt.policy, t0) != nil; got != tt.want {
				t.Errorf("Printable = %v, want %v", got, tt.want)
			}
			if tt.b != nil && tt.want && Session(tt.b, tt.key, chain, tt.policy, t0) == nil {
				t.Error("Printable without Session")
			}
		})
	}
}

func TestGrant(t *testing.T) {
	g := &cred.Grant{Target: "s3://bkt/p/*", Permission: "READWRITE", Privilege: "Default",
		Credentials: &cred.Credentials{AccessKeyID: "G", Expiration: t0.Add(time.Hour), MintedAt: t0, Chain: chain}}
	stale := &cred.Grant{Target: "s3://bkt/*", Permission: "READ", Privilege: "Default",
		Credentials: &cred.Credentials{AccessKeyID: "S", Expiration: t0.Add(10 * time.Minute), MintedAt: t0.Add(-50 * time.Minute), Chain: chain}}
	b := &store.Served{Grants: []*cred.Grant{g, stale}}
	req := func(uri, perm string) s3ag.Request {
		r, err := s3ag.ParseRequest(s3ag.Input{Target: uri, Permission: perm})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	tests := []struct {
		name string
		b    *store.Served
		req  s3ag.Request
		want string
	}{
		{"READWRITE serves READ below", b, req("s3://bkt/p/x", "READ"), "G"},
		{"outside the fresh grant, stale one not served", b, req("s3://bkt/q/x", "READ"), ""},
		{"nil bundle", nil, req("s3://bkt/p/x", "READ"), ""},
	}
	for _, tt := range tests {
		got := Grant(tt.b, tt.req, chain, credproc.DefaultPolicy(), t0)
		if (got == nil && tt.want != "") || (got != nil && got.Credentials.AccessKeyID != tt.want) {
			t.Errorf("%s: Grant = %+v, want %q", tt.name, got, tt.want)
		}
	}
	if got := Grant(b, req("s3://bkt/p/x", "READ"), "chain-b", credproc.DefaultPolicy(), t0); got != nil {
		t.Errorf("a grant minted under another chain was served: %+v", got)
	}
}
