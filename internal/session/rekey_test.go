package session_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/sandbox"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
	"github.com/tip-cli/tip-cli/internal/testkit"
)

// TestSignInReplacesTheStoreKey (#22 item 5, #23): a new sign-in seals the
// profile under a new key, so the sealed file of before the sign-in, put
// back whole, no longer opens (it would bring back the old refresh token
// and sessions), and the keyring holds one key for the profile.
func TestSignInReplacesTheStoreKey(t *testing.T) {
	ctx := context.Background()
	k := testkit.New(t, sandbox.EnvOptions{})
	kr := storetest.NewKeyring(0)
	k.Store = store.NewKeyringStore(k.Dir, kr)
	p := k.Configure(t, "default")
	m, err := k.F.Manager(p, cmdutil.SignInOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.SignInAndExchange(ctx); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(k.Dir, store.SecretsDirName, "default.sealed")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	users := kr.Users()
	if len(users) != 1 {
		t.Fatalf("keyring items after the first sign-in: %v", users)
	}
	oldKey := kr.Item(store.KeyringService, users[0])
	if _, _, err := m.SignInAndExchange(ctx); err != nil {
		t.Fatal(err)
	}
	if users := kr.Users(); len(users) != 1 || kr.Item(store.KeyringService, users[0]) == oldKey {
		t.Fatalf("after a second sign-in: items %v, key replaced %v", users, kr.Item(store.KeyringService, users[0]) != oldKey)
	}
	if b, err := k.Store.Get(ctx, "default"); err != nil || b == nil || b.IdP == nil {
		t.Fatalf("the new sign-in reads back: %v", err)
	}
	if err := os.WriteFile(path, before, 0o600); err != nil {
		t.Fatal(err)
	}
	if b, err := k.Store.Get(ctx, "default"); b != nil || err != nil {
		t.Errorf("the file of before the sign-in, put back, reads %v, %v; want nothing", b != nil, err)
	}
}
