package session_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/session"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// signedInKit returns a signed-in manager on a fresh sandbox.
func signedInKit(t *testing.T) (*testkit.Kit, *session.Manager) {
	t.Helper()
	k := testkit.New(t, sandbox.EnvOptions{})
	return k, signedIn(t, k, k.Configure(t, "default"))
}

func request(t *testing.T, target, perm string) s3ag.Request {
	t.Helper()
	req, err := s3ag.ParseRequest(s3ag.Input{Target: target, Permission: perm})
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// expire moves the unscoped session and/or every grant into the past.
func expire(t *testing.T, k *testkit.Kit, session, grants bool) {
	t.Helper()
	ctx := context.Background()
	b, err := k.Store.Get(ctx, "default")
	if err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Second)
	if session {
		b.Session("").Expiration = past
	}
	for _, g := range b.Grants {
		if grants {
			g.Credentials.Expiration = past
		}
	}
	if err := k.Store.Put(ctx, "default", b); err != nil {
		t.Fatal(err)
	}
}

// Grant's cache rules: a covering fresh grant costs no AWS call; an expired
// one one GetDataAccess, plus one chain when the session is due too; force
// always fetches.
func TestGrantCache(t *testing.T) {
	for _, tt := range []struct {
		name                   string
		expireSession, expireG bool
		force                  bool
		target, perm           string
		wantGDA, wantChain     int
	}{
		{name: "covered by the cached grant", target: "s3://tip-sandbox-data/analysts/q1/x.csv", perm: "WRITE"},
		{name: "grant expired", expireG: true, target: "s3://tip-sandbox-data/analysts/", perm: "READWRITE", wantGDA: 1},
		{name: "grant and session expired", expireG: true, expireSession: true, target: "s3://tip-sandbox-data/analysts/", perm: "READ", wantGDA: 1, wantChain: 1},
		{name: "force", force: true, target: "s3://tip-sandbox-data/analysts/", perm: "READWRITE", wantGDA: 1},
		{name: "outside the cached scope", target: "s3://tip-sandbox-data/shared/", perm: "READ", wantGDA: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, m := signedInKit(t)
			ctx := context.Background()
			if _, err := m.Grant(ctx, request(t, "s3://tip-sandbox-data/analysts/", "READWRITE"), false); err != nil {
				t.Fatal(err)
			}
			expire(t, k, tt.expireSession, tt.expireG)
			before := k.Env.AWS.Counts()
			g, err := m.Grant(ctx, request(t, tt.target, tt.perm), tt.force)
			if err != nil {
				t.Fatal(err)
			}
			if !time.Now().Before(g.Credentials.Expiration) {
				t.Errorf("served expired grant credentials")
			}
			after := k.Env.AWS.Counts()
			if d := after["GetDataAccess"] - before["GetDataAccess"]; d != tt.wantGDA {
				t.Errorf("GetDataAccess calls = %d, want %d", d, tt.wantGDA)
			}
			if d := after["AssumeRole"] - before["AssumeRole"]; d != tt.wantChain {
				t.Errorf("chains = %d, want %d", d, tt.wantChain)
			}
		})
	}
}

// Concurrent callers on an expired grant and session: one chain, one
// GetDataAccess, the same credentials for all.
func TestGrantSingleFlight(t *testing.T) {
	k, m := signedInKit(t)
	ctx := context.Background()
	req := request(t, "s3://tip-sandbox-data/analysts/", "READ")
	if _, err := m.Grant(ctx, req, false); err != nil {
		t.Fatal(err)
	}
	expire(t, k, true, true)
	before := k.Env.AWS.Counts()
	const n = 8
	keys := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g, err := m.Grant(ctx, req, false)
			if err != nil {
				t.Error(err)
				return
			}
			keys[i] = g.Credentials.AccessKeyID
		}()
	}
	wg.Wait()
	for _, key := range keys {
		if key != keys[0] {
			t.Fatalf("callers got different grant credentials: %v", keys)
		}
	}
	after := k.Env.AWS.Counts()
	if d := after["GetDataAccess"] - before["GetDataAccess"]; d != 1 {
		t.Errorf("GetDataAccess calls = %d, want 1", d)
	}
	if d := after["AssumeRole"] - before["AssumeRole"]; d != 1 {
		t.Errorf("chains = %d, want 1", d)
	}
}

func TestClearGrants(t *testing.T) {
	k, m := signedInKit(t)
	ctx := context.Background()
	if _, err := m.Grant(ctx, request(t, "s3://tip-sandbox-data/analysts/", "READ"), false); err != nil {
		t.Fatal(err)
	}
	if n, err := m.ClearGrants(ctx); err != nil || n != 1 {
		t.Fatalf("ClearGrants = %d, %v; want 1", n, err)
	}
	b, _ := k.Store.Get(ctx, "default")
	if len(b.Grants) != 0 || b.Session("") == nil {
		t.Errorf("after ClearGrants: %d grants, session %v", len(b.Grants), b.Session("") != nil)
	}
}
