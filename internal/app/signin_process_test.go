package app

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmd/auth"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
	"github.com/tip-cli/tip-cli/internal/testkit"
	"github.com/tip-cli/tip-cli/internal/testport"
)

// sharedProfiles are the profiles the shared sign-in tests put on one
// sign-in.
var sharedProfiles = []string{"dev", "stage", "prod"}

// configureShared configures the profiles on the shared sign-in "corp"
// through `configure idp --sign-in`: the first creates the sign-in from a
// whole sandbox profile, the others pick it with their AWS settings only.
func configureShared(t *testing.T, k *testkit.Kit) {
	t.Helper()
	full := k.Env.Profile(testport.RedirectURI(t))
	data, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, k, "--profile", sharedProfiles[0], "configure", "idp", "--sign-in", "corp", "--config", string(data))
	awsOnly, err := json.Marshal(full.WithoutIdP())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range sharedProfiles[1:] {
		r := mustRun(t, k, "--profile", p, "configure", "idp", "--sign-in", "corp", "--config", string(awsOnly))
		if !strings.Contains(r.stderr, "sign-in corp shared by") {
			t.Errorf("configure %s: %q does not mention the shared sign-in", p, r.stderr)
		}
	}
}

// expireProfileSessions makes every cached session of profile look expired.
func expireProfileSessions(t *testing.T, k *testkit.Kit, profile string) {
	t.Helper()
	b, err := k.Store.Get(context.Background(), profile)
	if err != nil || b == nil || len(b.Sessions) == 0 {
		t.Fatalf("profile %s: no cached sessions: %v", profile, err)
	}
	for _, c := range b.Sessions {
		c.Expiration = time.Now().Add(-time.Minute)
	}
	if err := k.Store.Put(context.Background(), profile, b); err != nil {
		t.Fatal(err)
	}
}

// TestSharedSignInConcurrentProfiles: three profiles on one sign-in, one
// browser sign-in, then 8 concurrent credential_process callers per
// profile on expired sessions. The sandbox IdP rotates refresh tokens and
// revokes the whole grant when a used one comes back, so two profiles
// refreshing at once (the lock per profile, not per sign-in) fail; with
// NoJTI the IdP re-issues identical ID tokens within one second, so a
// ledger per profile would present one assertion twice, which the sandbox
// AWS refuses and counts.
func TestSharedSignInConcurrentProfiles(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	for _, tc := range []struct {
		name string
		opts sandbox.EnvOptions
	}{{"jti", sandbox.EnvOptions{}}, {"no jti", sandbox.EnvOptions{NoJTI: true}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := testkit.New(t, tc.opts)
			configureShared(t, k)
			if r := runProcs(t, k, 1, "--profile", "dev", "auth", "--timeout", "30s"); r[0].code != 0 {
				t.Fatalf("sign-in: %s", r[0].stderr)
			} else if !strings.Contains(r[0].stderr, "shared sign-in of profiles dev, prod, stage") {
				t.Errorf("auth: %q does not name the profiles signed in", r[0].stderr)
			}
			// The other profiles need no sign-in of their own.
			for _, p := range sharedProfiles[1:] {
				accessKeys(t, runProcs(t, k, 1, "--profile", p, "auth", "get-iam-credentials", "--non-interactive"))
			}
			for _, p := range sharedProfiles {
				expireProfileSessions(t, k, p)
			}
			idpBefore, awsBefore := k.Env.IdP.Counts(), k.Env.AWS.Counts()

			const perProfile = 8
			var argv [][]string
			for i := 0; i < perProfile; i++ {
				for _, p := range sharedProfiles {
					argv = append(argv, []string{"--profile", p, "auth", "get-iam-credentials", "--non-interactive"})
				}
			}
			results := runEach(t, k, argv)
			byProfile := map[string][]procResult{}
			for i, r := range results {
				byProfile[argv[i][1]] = append(byProfile[argv[i][1]], r)
			}
			all := map[string]bool{}
			for _, p := range sharedProfiles {
				keys := accessKeys(t, byProfile[p])
				if len(keys) != 1 {
					t.Errorf("profile %s: %d distinct credential sets among %d callers, want 1", p, len(keys), perProfile)
				}
				for key := range keys {
					all[key] = true
				}
			}
			if len(all) != len(sharedProfiles) {
				t.Errorf("%d distinct credential sets across %d profiles, want one each", len(all), len(sharedProfiles))
			}
			idpAfter, awsAfter := k.Env.IdP.Counts(), k.Env.AWS.Counts()
			if n := idpAfter["authorize"]; n != 1 {
				t.Errorf("browser sign-ins = %d, want 1", n)
			}
			exchanges := awsAfter["CreateTokenWithIAM"] - awsBefore["CreateTokenWithIAM"]
			if exchanges != len(sharedProfiles) {
				t.Errorf("CreateTokenWithIAM calls = %d, want %d (one per profile)", exchanges, len(sharedProfiles))
			}
			refreshes := idpAfter["token:refresh_token"] - idpBefore["token:refresh_token"]
			if tc.opts.NoJTI {
				// A refresh within the second of the previous one returns the
				// same ID token, which the ledger turns down and refreshes past.
				if refreshes < exchanges || refreshes > 3*exchanges {
					t.Errorf("IdP refreshes = %d for %d exchanges", refreshes, exchanges)
				}
			} else if refreshes != exchanges {
				t.Errorf("IdP refreshes = %d, want exactly one per exchange (%d)", refreshes, exchanges)
			}
			t.Logf("%d profiles x %d callers on one sign-in: browser sign-ins=%d, exchanges=%d, IdP refreshes=%d, replays refused=%d",
				len(sharedProfiles), perProfile, idpAfter["authorize"], exchanges, refreshes, awsAfter[awsemu.ReplayRefusedCount])
			if n := awsAfter[awsemu.ReplayRefusedCount]; n != 0 {
				t.Errorf("replayed assertions refused = %d, want 0", n)
			}
			checkSharedStatusAndLogout(t, k)
		})
	}
}

// checkSharedStatusAndLogout: `auth status` names the sharing profiles,
// the sign-in's tokens live under the sign-in (not the profiles), and
// logging out one profile logs out the sign-in and all its profiles.
func checkSharedStatusAndLogout(t *testing.T, k *testkit.Kit) {
	t.Helper()
	r := mustRun(t, k, "--profile", "stage", "auth", "status", "--output", "json")
	var st auth.Status
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatal(err)
	}
	want := []string{"dev", "prod", "stage"}
	if st.SignIn != "corp" || !slices.Equal(st.SignInProfiles, want) || !st.SignedIn || !st.CanRefresh {
		t.Errorf("status = %+v, want signed in on corp shared by %v", st, want)
	}
	ctx := context.Background()
	si, err := k.Store.Get(ctx, store.SignInKey("corp"))
	if err != nil || si == nil || si.IdP == nil || len(si.Presented) == 0 || len(si.Sessions) != 0 {
		t.Fatalf("sign-in bundle = %+v, %v: want tokens and ledger, no sessions", si, err)
	}
	for _, p := range sharedProfiles {
		b, err := k.Store.Get(ctx, p)
		if err != nil || b == nil || b.IdP != nil || len(b.Presented) != 0 || len(b.Sessions) == 0 {
			t.Errorf("profile %s bundle = %+v, %v: want sessions only", p, b, err)
		}
	}
	r = mustRun(t, k, "--profile", "prod", "auth", "logout")
	if !strings.Contains(r.stderr, "dev, prod, stage") {
		t.Errorf("logout: %q does not name the profiles", r.stderr)
	}
	for _, name := range append([]string{store.SignInKey("corp")}, sharedProfiles...) {
		if b, _ := k.Store.Get(ctx, name); b != nil {
			t.Errorf("%s still stored after logout", store.DisplayName(name))
		}
	}
	if r := run(t, k, "--profile", "dev", "auth", "get-iam-credentials", "--non-interactive"); r.code == 0 || r.stdout != "" {
		t.Errorf("after logout: exit %d, stdout %q; want not signed in", r.code, r.stdout)
	}
}

// TestWarmPathSharedSignInReadsTheKeyringOnce: a profile on a shared
// sign-in keeps its served part under its own name, so its warm call is
// still one keyring read, one file read and one decryption (never the
// sign-in's tokens); the sign-in's tokens have a key of their own, and
// logout removes every key and file of the sign-in and its profiles.
func TestWarmPathSharedSignInReadsTheKeyringOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fills bundles through the sandbox")
	}
	k := testkit.New(t, sandbox.EnvOptions{})
	kr := storetest.NewKeyring(storetest.ItemLimit("darwin"))
	k.Store = store.NewKeyringStore(k.Dir, kr)
	configureShared(t, k)
	mustRun(t, k, "--profile", "dev", "auth")
	for _, p := range sharedProfiles[1:] {
		mustRun(t, k, "--profile", p, "auth", "get-iam-credentials", "--non-interactive")
	}
	if users := kr.Users(); len(users) != 1+len(sharedProfiles) {
		t.Errorf("keyring items = %v, want one key for the sign-in and one per profile", users)
	}
	for _, p := range sharedProfiles {
		st := store.NewKeyringStore(k.Dir, kr)
		k.Store = st
		gets, _, _ := kr.Counts()
		decodeProcess(t, mustRun(t, k, "--profile", p, "auth", "get-iam-credentials", "--non-interactive").stdout)
		after, _, _ := kr.Counts()
		if after-gets != 1 {
			t.Errorf("profile %s: %d keyring reads per warm call, want 1", p, after-gets)
		}
		if got, want := st.Stats(), (store.Stats{KeyringReads: 1, FileReads: 1, Decryptions: 1}); got != want {
			t.Errorf("profile %s: store stats %+v, want %+v", p, got, want)
		}
	}
	// A new sign-in may be another identity: it clears every profile's
	// cached sessions, not only its own.
	mustRun(t, k, "--profile", "dev", "auth")
	for _, p := range sharedProfiles[1:] {
		if b, err := k.Store.Get(context.Background(), p); err != nil || b == nil || len(b.Sessions) != 0 {
			t.Errorf("profile %s after a new sign-in: %+v, %v; want no cached sessions", p, b, err)
		}
	}
	mustRun(t, k, "--profile", "stage", "auth", "logout")
	if users := kr.Users(); len(users) != 0 {
		t.Errorf("keyring items left after logout: %v", users)
	}
	entries, _ := os.ReadDir(filepath.Join(k.Dir, store.SecretsDirName))
	if len(entries) != 0 {
		t.Errorf("secrets left after logout: %v", entries)
	}
}
