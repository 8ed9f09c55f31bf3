package cmdutil_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/store/storetest"
)

func bundle(id string) *store.Bundle {
	exp := time.Now().Add(time.Hour)
	return &store.Bundle{
		IdP:      &cred.Tokens{IDToken: "id-" + id, RefreshToken: "rt-" + id, Expiry: exp},
		Sessions: map[string]*cred.Credentials{"": {AccessKeyID: "AKID" + id, SecretAccessKey: "s", SessionToken: "t", Expiration: exp}},
	}
}

func put(t *testing.T, st store.Store, key string, b *store.Bundle) {
	t.Helper()
	if err := st.Put(context.Background(), key, b); err != nil {
		t.Fatal(err)
	}
}

func has(t *testing.T, st store.Store, key string) bool {
	t.Helper()
	b, err := st.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return b != nil
}

// keyringFactory is a Factory whose store in use is the keyring store (an
// in-memory OS keyring) in dir, where the file store may hold older copies.
func keyringFactory(t *testing.T, profile string) (*cmdutil.Factory, store.Store, store.Store) {
	t.Helper()
	dir := t.TempDir()
	kr := store.NewKeyringStore(dir, storetest.NewKeyring(0))
	ios, _, _, _ := iostreamstest.New()
	f := &cmdutil.Factory{
		IOStreams:   ios,
		ProfileName: profile,
		ConfigDir:   func() (string, error) { return dir, nil },
		Config:      func() (*config.File, error) { return config.Load(dir) },
		Store:       func() (store.Store, error) { return kr, nil },
	}
	return f, kr, store.NewFileStore(dir)
}

// TestDeleteSecrets: a profile's secrets go from the store in use and
// from the file store (an older copy from a time without a keyring);
// other profiles keep theirs.
func TestDeleteSecrets(t *testing.T) {
	t.Parallel()
	f, kr, files := keyringFactory(t, "default")
	put(t, kr, "dev", bundle("1"))
	put(t, files, "dev", bundle("0"))
	put(t, kr, "prod", bundle("2"))
	name, err := f.DeleteSecrets(context.Background(), "dev")
	if err != nil || name != "keyring" {
		t.Fatalf("DeleteSecrets = %q, %v", name, err)
	}
	if has(t, kr, "dev") || has(t, files, "dev") || !has(t, kr, "prod") {
		t.Error("dev's secrets remain, or prod's went")
	}
	// Deleting what is not there is no error (logout twice).
	if _, err := f.DeleteSecrets(context.Background(), "dev"); err != nil {
		t.Error(err)
	}
}

// TestLogout: on a profile of its own, its secrets only; on a shared
// sign-in, the sign-in's tokens and every profile on it, which all
// refreshed with the one refresh token.
func TestLogout(t *testing.T) {
	t.Parallel()
	f, kr, _ := keyringFactory(t, "dev")
	dir, _ := f.ConfigDir()
	own := &config.Profile{Provider: "oidc", IssuerURL: "https://idp.example.com", ClientID: "c",
		TokenExchangeApplicationARN: "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
		OIDCRoleARN:                 "arn:aws:iam::123456789012:role/o", IDEnhancedRoleARN: "arn:aws:iam::123456789012:role/i", Region: "us-east-1"}
	onCorp := own.WithoutIdP()
	onCorp.SignIn = "corp"
	cfg := &config.File{Profiles: map[string]*config.Profile{"dev": onCorp, "prod": onCorp, "solo": own},
		SignIns: map[string]*config.Profile{"corp": own.IdPSettings()}}
	if err := config.Save(dir, cfg); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"dev", "prod", "solo", store.SignInKey("corp")} {
		put(t, kr, key, bundle(key))
	}
	names, backend, err := f.Logout(context.Background())
	if err != nil || backend != "keyring" || !reflect.DeepEqual(names, []string{"dev", "prod"}) {
		t.Fatalf("Logout = %v, %q, %v", names, backend, err)
	}
	if has(t, kr, "dev") || has(t, kr, "prod") || has(t, kr, store.SignInKey("corp")) || !has(t, kr, "solo") {
		t.Error("wrong secrets removed")
	}

	f.ProfileName = "solo"
	if names, _, err := f.Logout(context.Background()); err != nil || !reflect.DeepEqual(names, []string{"solo"}) || has(t, kr, "solo") {
		t.Errorf("solo: %v, %v", names, err)
	}
}

// TestReadBundle: a profile on a shared sign-in reads the sign-in's IdP
// tokens with its own cached sessions.
func TestReadBundle(t *testing.T) {
	t.Parallel()
	_, kr, _ := keyringFactory(t, "dev")
	put(t, kr, store.SignInKey("corp"), &store.Bundle{IdP: bundle("corp").IdP})
	put(t, kr, "dev", &store.Bundle{Sessions: bundle("dev").Sessions})
	b, err := cmdutil.ReadBundle(context.Background(), kr, "dev", &config.Profile{SignIn: "corp"})
	if err != nil || b.IdP == nil || b.IdP.IDToken != "id-corp" || b.Session("").AccessKeyID != "AKIDdev" {
		t.Fatalf("joined bundle %+v, %v", b, err)
	}
	own, err := cmdutil.ReadBundle(context.Background(), kr, "dev", &config.Profile{})
	if err != nil || own.IdP != nil {
		t.Errorf("own bundle %+v, %v", own, err)
	}
}

// TestLogger: --debug lines on stderr with secret-named attributes
// redacted; nothing at all without --debug.
func TestLogger(t *testing.T) {
	t.Parallel()
	ios, _, _, errOut := iostreamstest.New()
	f := &cmdutil.Factory{IOStreams: ios}
	f.Logger().Debug("quiet", "k", "v")
	if errOut.Len() != 0 {
		t.Fatalf("logged without --debug: %q", errOut)
	}
	f.Debug = true
	f.Logger().Debug("refresh", "refresh_token", "rt-secret", "ClientSecret", "cs", "code_verifier", "v", "profile", "dev")
	line := errOut.String()
	for _, secret := range []string{"rt-secret", "cs", "=v "} {
		if strings.Contains(line, secret) {
			t.Errorf("log shows %q: %s", secret, line)
		}
	}
	if strings.Count(line, "[redacted]") != 3 || !strings.Contains(line, "profile=dev") || !strings.Contains(line, "level=DEBUG msg=refresh") {
		t.Errorf("log line: %s", line)
	}
}

// TestWriteJSON: indented, with a final newline, in one write.
func TestWriteJSON(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := cmdutil.WriteJSON(&buf, map[string]string{"a": "b"}); err != nil || buf.String() != "{\n  \"a\": \"b\"\n}\n" {
		t.Errorf("WriteJSON: %q %v", buf.String(), err)
	}
}
