package lean

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/store"
)

// warmHome writes a valid default profile and a fresh session into a file
// store in a new config directory.
func warmHome(t *testing.T, now time.Time) (string, *cred.Credentials) {
	t.Helper()
	dir := t.TempDir()
	prof := &config.Profile{
		Provider: config.ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "c",
		TokenExchangeApplicationARN: "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
		OIDCRoleARN:                 "arn:aws:iam::123456789012:role/o", IDEnhancedRoleARN: "arn:aws:iam::123456789012:role/e", Region: "us-east-1",
	}
	cfg := &config.File{Profiles: map[string]*config.Profile{config.DefaultProfile: prof}}
	if err := config.Save(dir, cfg); err != nil {
		t.Fatal(err)
	}
	c := &cred.Credentials{AccessKeyID: "ASIA", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(time.Hour).UTC(), MintedAt: now,
		AccountID: "123456789012", Chain: prof.ChainID()}
	b := &store.Bundle{}
	b.SetSession("", c)
	if err := store.NewFileStore(dir).Put(context.Background(), config.DefaultProfile, b); err != nil {
		t.Fatal(err)
	}
	return dir, c
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) {
	return 0, errors.New("write /dev/stdout: no space left\non device")
}

func TestServe(t *testing.T) {
	now := time.Now()
	dir, c := warmHome(t, now)
	getenv := env("AWS_TIP_CLI", dir, "TIP_CLI_STORE", "file")
	var want bytes.Buffer
	if err := credproc.Write(&want, credproc.FormatJSON, c, credproc.Extra{}); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	d := &Deps{Args: []string{"auth", "get-iam-credentials", "--format", "json"}, Getenv: getenv,
		Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now }}
	if code, served := serve(context.Background(), d); !served || code != 0 || out.String() != want.String() || errOut.Len() != 0 {
		t.Errorf("serve = %d, %v; stdout %q, want %q; stderr %q", code, served, out.String(), want.String(), errOut.String())
	}

	d.Now = func() time.Time { return now.Add(50 * time.Minute) } // 10 minutes left: tip-cli refreshes
	if _, served := serve(context.Background(), d); served {
		t.Error("served credentials due for refresh")
	}

	d.Now = func() time.Time { return now }
	d.Stdout, d.Stderr = failingWriter{}, &errOut
	if code, served := serve(context.Background(), d); !served || code != 1 ||
		errOut.String() != "tip-cli: write /dev/stdout: no space left; on device\n" {
		t.Errorf("failed write: %d, %v, stderr %q", code, served, errOut.String())
	}

	d.Getenv = env("AWS_TIP_CLI", dir, "TIP_CLI_STORE", "file", "TIP_CLI_DEBUG", "1")
	if _, served := serve(context.Background(), d); served {
		t.Error("served with TIP_CLI_DEBUG=1")
	}
	if !strings.Contains(want.String(), `"AccountId": "123456789012"`) {
		t.Errorf("json output %s", want.String())
	}
}

// TestServeRefusesOtherChain: after the profile's mode or roles change, the
// session minted under the old ones is handed to tip-cli, never printed.
func TestServeRefusesOtherChain(t *testing.T) {
	now := time.Now()
	dir, _ := warmHome(t, now)
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Profiles[config.DefaultProfile]
	*p = config.Profile{Provider: p.Provider, IssuerURL: p.IssuerURL, ClientID: p.ClientID, Region: p.Region,
		Mode: config.TIPModeIAMFederation, RoleARN: "arn:aws:iam::123456789012:role/federated"}
	if err := config.Save(dir, cfg); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	d := &Deps{Args: []string{"auth", "get-iam-credentials"}, Getenv: env("AWS_TIP_CLI", dir, "TIP_CLI_STORE", "file"),
		Stdout: &out, Stderr: &errOut, Now: func() time.Time { return now }}
	if code, served := serve(context.Background(), d); served || out.Len() != 0 {
		t.Errorf("serve after a mode change = %d, %v; stdout %q: want a hand-off to tip-cli", code, served, out.String())
	}
}
