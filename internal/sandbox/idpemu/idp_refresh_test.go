package idpemu

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestIdPRefreshRotation(t *testing.T) {
	t.Parallel()
	clock := idpNewClock()
	i := idpStart(t, IdPOptions{Now: clock.Now, IDTokenTTL: 10 * time.Minute})
	c := idpNewClient(t, i, clock.Now, "localhost")
	first := c.login(t)
	other := c.login(t) // a second, independent grant family
	firstID, _ := c.verify(t, first)

	clock.Advance(5 * time.Minute)
	second, err := c.refresh(first.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatal("refresh did not rotate the tokens")
	}
	idt, claims := c.verify(t, second)
	if idt.Nonce != "" || !idt.IssuedAt.Equal(clock.Now()) || !idt.Expiry.Equal(clock.Now().Add(10*time.Minute)) {
		t.Fatalf("refreshed id token nonce %q iat %v exp %v", idt.Nonce, idt.IssuedAt, idt.Expiry)
	}
	if claims["auth_time"] != float64(firstID.IssuedAt.Unix()) {
		t.Fatalf("auth_time = %v, want the original sign-in", claims["auth_time"])
	}
	third, err := c.refresh(second.RefreshToken)
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}

	// Replay of a rotated token: invalid_grant, and the family dies.
	if _, err := c.refresh(first.RefreshToken); idpErrCode(err) != "invalid_grant" {
		t.Fatalf("replay: %v, want invalid_grant", err)
	}
	if _, err := c.refresh(third.RefreshToken); idpErrCode(err) != "invalid_grant" {
		t.Fatalf("live token of a revoked family: %v, want invalid_grant", err)
	}
	if _, err := c.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(third)); err == nil {
		t.Fatal("access token of a revoked family still works at userinfo")
	}
	if _, err := c.refresh(other.RefreshToken); err != nil {
		t.Fatalf("other family was revoked too: %v", err)
	}
	if n := i.Counts()["token:refresh_token"]; n != 5 {
		t.Fatalf("refresh count = %d, want 5", n)
	}
}

func TestIdPRefreshScope(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	c := idpNewClient(t, i, nil, "127.0.0.1")
	tests := []struct {
		name     string
		scope    string
		wantCode string
	}{
		{"narrower", "openid email", ""},
		{"wider", "openid email groups", "invalid_scope"},
		{"unknown", "openid admin", "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := c.login(t)
			_, body := idpPost(t, i.Issuer()+"/token", url.Values{
				"grant_type": {"refresh_token"}, "client_id": {i.ClientID()},
				"refresh_token": {tok.RefreshToken}, "scope": {tt.scope},
			})
			if got, _ := body["error"].(string); got != tt.wantCode {
				t.Fatalf("error = %q, want %q", got, tt.wantCode)
			}
			if tt.wantCode == "" && body["scope"] != "email openid" {
				t.Fatalf("scope = %v", body["scope"])
			}
		})
	}
}

func TestIdPRefreshWrongClient(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	c := idpNewClient(t, i, nil, "localhost")
	tok := c.login(t)
	resp, body := idpPost(t, i.Issuer()+"/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {"other"}, "refresh_token": {tok.RefreshToken},
	})
	if resp.StatusCode != http.StatusUnauthorized || body["error"] != "invalid_client" {
		t.Fatalf("status %d body %v", resp.StatusCode, body)
	}
	if _, err := c.refresh(tok.RefreshToken); err != nil {
		t.Fatalf("a rejected client must not burn the token: %v", err)
	}
}

func TestIdPRevokeAll(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	c := idpNewClient(t, i, nil, "localhost")
	a, b := c.login(t), c.login(t)
	i.RevokeAll()
	for _, tok := range []*oauth2.Token{a, b} {
		if _, err := c.refresh(tok.RefreshToken); idpErrCode(err) != "invalid_grant" {
			t.Fatalf("refresh after RevokeAll: %v, want invalid_grant", err)
		}
		if _, err := c.provider.UserInfo(context.Background(), oauth2.StaticTokenSource(tok)); err == nil {
			t.Fatal("userinfo accepted a revoked access token")
		}
	}
	fresh := c.login(t)
	if _, err := c.refresh(fresh.RefreshToken); err != nil {
		t.Fatalf("sign-in after RevokeAll: %v", err)
	}
}
