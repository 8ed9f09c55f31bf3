package idp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// deviceGrant is the device flow's grant type (RFC 8628 §3.4).
const deviceGrant = "urn:ietf:params:oauth:grant-type:device_code"

// maxTokenResponse bounds what a token endpoint may send back.
const maxTokenResponse = 1 << 20

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// pollDevice polls the token endpoint until the user approves (RFC 8628
// §3.4–3.5), as golang.org/x/oauth2's DeviceAccessToken does, but waits
// through sleep so tests need not spend the intervals on a real clock: the
// announced interval (5 s when absent) before each poll, 5 s more after
// every slow_down, and it stops at the code's expiry. Failures are
// *oauth2.RetrieveError (an OAuth error code) or the context's error.
func (p *provider) pollDevice(ctx context.Context, da *oauth2.DeviceAuthResponse, sleep func(context.Context, time.Duration) error) (*oauth2.Token, error) {
	if !da.Expiry.IsZero() {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, da.Expiry)
		defer cancel()
	}
	v := url.Values{"client_id": {p.oauth.ClientID}, "grant_type": {deviceGrant}, "device_code": {da.DeviceCode}}
	if len(p.oauth.Scopes) > 0 {
		v.Set("scope", strings.Join(p.oauth.Scopes, " "))
	}
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	for {
		if err := sleep(ctx, interval); err != nil {
			return nil, err
		}
		tok, err := p.tokenRequest(ctx, v)
		if err == nil {
			return tok, nil
		}
		code, _, _ := oauthError(err)
		switch code {
		case "slow_down":
			interval += 5 * time.Second
		case "authorization_pending":
		default:
			return nil, err
		}
	}
}

// tokenRequest makes one token endpoint request (RFC 6749 §5) with the
// client id in the body (a public client).
func (p *provider) tokenRequest(ctx context.Context, v url.Values) (*oauth2.Token, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.oauth.Endpoint.TokenURL, strings.NewReader(v.Encode()))
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("token request: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse))
	if err != nil {
		return nil, fmt.Errorf("read token response: %w", err)
	}
	var tj struct {
		AccessToken  string `json:"access_token"`
		TokenType    string `json:"token_type"`
		RefreshToken string `json:"refresh_token"`
		Error        string `json:"error"`
		Description  string `json:"error_description"`
	}
	jerr := json.Unmarshal(body, &tj)
	if resp.StatusCode < 200 || resp.StatusCode > 299 || tj.Error != "" {
		return nil, &oauth2.RetrieveError{Response: resp, Body: body, ErrorCode: tj.Error, ErrorDescription: tj.Description}
	}
	if jerr != nil {
		return nil, fmt.Errorf("token response is not JSON: %w", jerr)
	}
	if tj.AccessToken == "" {
		return nil, &oauth2.RetrieveError{Response: resp, Body: body, ErrorDescription: "server response missing access_token"}
	}
	var extra map[string]any
	_ = json.Unmarshal(body, &extra) // it parsed above
	// The ID token's exp, not expires_in, is what tip-cli keeps.
	tok := &oauth2.Token{AccessToken: tj.AccessToken, TokenType: tj.TokenType, RefreshToken: tj.RefreshToken}
	return tok.WithExtra(extra), nil
}
