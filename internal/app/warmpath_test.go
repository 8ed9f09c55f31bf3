package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestWarmPathReadsTheKeyringOnce: with the keyring store (a counting fake
// with each platform's item limit), a warm `auth get-iam-credentials` and
// a warm `s3ag get-data-access` each make exactly one keyring read and
// decrypt only the served section, for a bundle with 1 scope and for one
// with 5 scopes and 20 grants (filled by the real commands).
func TestWarmPathReadsTheKeyringOnce(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("fills bundles through the sandbox")
	}
	for _, goos := range []string{"darwin", "windows", "linux"} {
		for _, big := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/big=%v", goos, big), func(t *testing.T) {
				k := testkit.New(t, sandbox.EnvOptions{})
				kr := storetest.NewKeyring(storetest.ItemLimit(goos))
				k.Store = store.NewKeyringStore(k.Dir, kr)
				k.Configure(t, "default")
				fill(t, k, big)
				b, err := k.Store.Get(context.Background(), "default")
				if err != nil || b == nil {
					t.Fatalf("bundle: %v", err)
				}
				wantS, wantG := 1, 1
				if big {
					wantS, wantG = 5, 20
				}
				if len(b.Sessions) != wantS || len(b.Grants) != wantG {
					t.Fatalf("bundle has %d scopes and %d grants, want %d and %d", len(b.Sessions), len(b.Grants), wantS, wantG)
				}
				for _, args := range [][]string{
					{"auth", "get-iam-credentials", "--non-interactive"},
					{"s3ag", "get-data-access", "s3://tip-sandbox-data/analysts/obj-0", "--privilege", "Minimal", "--non-interactive"},
				} {
					awsBefore := k.Env.AWS.Counts()
					// A new store per call, as each credential_process call is a
					// new process.
					st := store.NewKeyringStore(k.Dir, kr)
					k.Store = st
					gets, _, _ := kr.Counts()
					r := mustRun(t, k, args...)
					decodeProcess(t, r.stdout)
					after, _, _ := kr.Counts()
					t.Logf("keyring reads per warm call: limit %d, %s %s, %d scopes %d grants: %d",
						storetest.ItemLimit(goos), goos, strings.Join(args[:2], " "), len(b.Sessions), len(b.Grants), after-gets)
					if after-gets != 1 {
						t.Errorf("%s: %d keyring reads, want 1", strings.Join(args[:2], " "), after-gets)
					}
					if got, want := st.Stats(), (store.Stats{KeyringReads: 1, FileReads: 1, Decryptions: 1}); got != want {
						t.Errorf("%s: store stats %+v, want %+v", args[0], got, want)
					}
					if a := k.Env.AWS.Counts(); a["GetDataAccess"] != awsBefore["GetDataAccess"] || a["AssumeRole"] != awsBefore["AssumeRole"] {
						t.Errorf("%s: the warm call reached AWS", args[0])
					}
				}
			})
		}
	}
}

// fill signs in and caches the unscoped session and one grant; big adds 4
// scoped sessions and 19 more (Minimal, per-object) grants.
func fill(t *testing.T, k *testkit.Kit, big bool) {
	t.Helper()
	mustRun(t, k, "auth")
	grants, scopes := 1, 0
	if big {
		grants, scopes = 20, 4
	}
	for i := range scopes {
		mustRun(t, k, "auth", "get-iam-credentials", "--policy-arn", fmt.Sprintf("arn:aws:iam::aws:policy/Scope%d", i))
	}
	for i := range grants {
		mustRun(t, k, "s3ag", "get-data-access", fmt.Sprintf("s3://tip-sandbox-data/analysts/obj-%d", i), "--privilege", "Minimal")
	}
}

// TestHourlyRefreshRoundTrips: once the sign-in has cached the IdP's
// discovery document and JWKS, a refresh (in a new process) is exactly one
// IdP token request plus AssumeRoleWithWebIdentity, CreateTokenWithIAM and
// AssumeRole.
func TestHourlyRefreshRoundTrips(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts real processes")
	}
	k := expiredSession(t)
	idpBefore, awsBefore := k.Env.IdP.Counts(), k.Env.AWS.Counts()
	if r := runProcs(t, k, 1, "auth", "get-iam-credentials", "--non-interactive"); r[0].code != 0 {
		t.Fatalf("refresh: %s", r[0].stderr)
	}
	idpAfter, awsAfter := k.Env.IdP.Counts(), k.Env.AWS.Counts()
	idpRequests := 0
	for name, n := range idpAfter {
		if d := n - idpBefore[name]; d != 0 {
			idpRequests += d
			if name != "token:refresh_token" {
				t.Errorf("IdP %s requests: %d, want 0", name, d)
			}
		}
	}
	awsCalls := 0
	for op, n := range awsAfter {
		awsCalls += n - awsBefore[op]
	}
	for _, op := range []string{"AssumeRoleWithWebIdentity", "CreateTokenWithIAM", "AssumeRole"} {
		if d := awsAfter[op] - awsBefore[op]; d != 1 {
			t.Errorf("%s calls: %d, want 1", op, d)
		}
	}
	if idpRequests != 1 || awsCalls != 3 {
		t.Errorf("refresh made %d IdP requests and %d AWS calls, want 1 and 3", idpRequests, awsCalls)
	}
}

// TestLogoutAndDeleteRemoveKeyAndFiles: `auth logout` and `configure
// delete` leave neither the profile's keyring key nor its sealed file.
func TestLogoutAndDeleteRemoveKeyAndFiles(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"auth", "logout"}, {"configure", "delete", "default"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			k := testkit.New(t, sandbox.EnvOptions{})
			kr := storetest.NewKeyring(storetest.ItemLimit("darwin"))
			k.Store = store.NewKeyringStore(k.Dir, kr)
			k.Configure(t, "default")
			mustRun(t, k, "auth")
			if len(kr.Users()) != 1 {
				t.Fatalf("keyring items after sign-in: %v", kr.Users())
			}
			if r := run(t, k, args...); r.code != 0 {
				t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
			}
			if users := kr.Users(); len(users) != 0 {
				t.Errorf("keyring items left: %v", users)
			}
			entries, _ := os.ReadDir(filepath.Join(k.Dir, store.SecretsDirName))
			if len(entries) != 0 {
				t.Errorf("secrets left: %v", entries)
			}
		})
	}
}
