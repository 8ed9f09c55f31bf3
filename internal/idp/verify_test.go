package idp

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	other := newSandbox(t, idpemu.IdPOptions{Now: testNow, Key: testkey.Other(t)}) // a different signing key
	mint := func(mutate func(map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string {
			tok, err := idp.MintIDToken("alice@example.com", mutate)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}
	}
	tests := []struct {
		name    string
		token   func(t *testing.T) string
		nonce   string
		wantErr string
		wantIAT time.Time // zero: testNow()
	}{
		{name: "valid, nonce not checked", token: mint(nil)},
		{name: "valid with nonce", token: mint(func(m map[string]any) { m["nonce"] = "n-123" }), nonce: "n-123"},
		{name: "nonce mismatch", token: mint(func(m map[string]any) { m["nonce"] = "n-999" }), nonce: "n-123",
			wantErr: "nonce does not match"},
		{name: "nonce missing", token: mint(nil), nonce: "n-123", wantErr: "nonce does not match"},
		{name: "wrong audience", token: mint(func(m map[string]any) { m["aud"] = "another-client" }),
			wantErr: `expected audience "tip-cli-sandbox"`},
		{name: "audience list with client id and azp", token: mint(func(m map[string]any) {
			m["aud"], m["azp"] = []string{"x", "tip-cli-sandbox"}, "tip-cli-sandbox"
		})},
		{name: "audience list without azp", token: mint(func(m map[string]any) { m["aud"] = []string{"x", "tip-cli-sandbox"} }),
			wantErr: "has 2 audiences and no azp claim"},
		{name: "audience list, azp another client", token: mint(func(m map[string]any) {
			m["aud"], m["azp"] = []string{"x", "tip-cli-sandbox"}, "x"
		}), wantErr: `issued to another client (azp "x"`},
		{name: "single audience, azp another client", token: mint(func(m map[string]any) { m["azp"] = "x" }),
			wantErr: `issued to another client (azp "x"`},
		{name: "single audience, azp ours", token: mint(func(m map[string]any) { m["azp"] = "tip-cli-sandbox" })},
		{name: "iat within the skew", token: mint(func(m map[string]any) { m["iat"] = testNow().Add(maxClockSkew).Unix() }),
			wantIAT: testNow().Add(maxClockSkew)},
		{name: "iat beyond the skew", token: mint(func(m map[string]any) { m["iat"] = testNow().Add(maxClockSkew + time.Second).Unix() }),
			wantErr: "iat 2030-01-02T03:09:06Z is 5m1s in the future, more than the 5m0s clock skew allowed"},
		{name: "expired", token: mint(func(m map[string]any) { m["exp"] = testNow().Add(-time.Second).Unix() }),
			wantErr: "token is expired"},
		{name: "wrong issuer", token: mint(func(m map[string]any) { m["iss"] = other.Issuer() }),
			wantErr: "issued by a different provider"},
		{name: "tampered signature", token: func(t *testing.T) string { return tamperSignature(mint(nil)(t)) },
			wantErr: "failed to verify signature"},
		{name: "signed by another key", token: func(t *testing.T) string {
			tok, err := other.MintIDToken("alice@example.com", func(m map[string]any) { m["iss"] = idp.Issuer() })
			if err != nil {
				t.Fatal(err)
			}
			return tok
		}, wantErr: "failed to verify signature"},
		{name: "not a jwt", token: func(*testing.T) string { return "abc.def" }, wantErr: "malformed jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newClient(idp, testNow)
			cl, err := c.Verify(t.Context(), tt.token(t), tt.nonce)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("verify: %v", err)
			}
			want := Claims{Issuer: idp.Issuer(), Subject: "00u-alice", Email: "alice@example.com", Name: "Alice Example",
				Expiry: testNow().Add(time.Hour), IssuedAt: testNow()}
			if !tt.wantIAT.IsZero() {
				want.IssuedAt = tt.wantIAT
			}
			if cl.Issuer != want.Issuer || cl.Subject != want.Subject || cl.Email != want.Email || cl.Name != want.Name ||
				!cl.Expiry.Equal(want.Expiry) || !cl.IssuedAt.Equal(want.IssuedAt) || len(cl.Audience) == 0 {
				t.Errorf("claims = %+v, want %+v", cl, want)
			}
		})
	}
}

func TestVerifyExpiredIsTyped(t *testing.T) {
	t.Parallel()
	idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
	tok, err := idp.MintIDToken("alice@example.com", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(idp, func() time.Time { return testNow().Add(2 * time.Hour) })
	_, err = c.Verify(t.Context(), tok, "")
	var te *oidc.TokenExpiredError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *oidc.TokenExpiredError", err)
	}
}

func TestClientConfigErrors(t *testing.T) {
	t.Parallel()
	for _, c := range []*Client{{ClientID: "x"}, {Issuer: "http://127.0.0.1:1"}} {
		if _, err := c.Verify(t.Context(), "a.b.c", ""); err == nil || !strings.Contains(err.Error(), "configured") {
			t.Errorf("verify with %+v: err = %v", c, err)
		}
	}
}
