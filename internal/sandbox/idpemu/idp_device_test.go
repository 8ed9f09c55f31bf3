package idpemu

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// idpDeviceStart begins a device authorization through x/oauth2.
func idpDeviceStart(t *testing.T, c *idpClient) *oauth2.DeviceAuthResponse {
	t.Helper()
	da, err := c.cfg.DeviceAuth(context.Background())
	if err != nil {
		t.Fatalf("device auth: %v", err)
	}
	return da
}

// idpPoll makes one device token request and returns the error code ("" on
// success) and the body.
func idpPoll(t *testing.T, i *IdP, deviceCode string) (string, map[string]any) {
	t.Helper()
	_, body := idpPost(t, i.Issuer()+"/token", url.Values{
		"grant_type": {idpGrantDevice}, "client_id": {i.ClientID()}, "device_code": {deviceCode},
	})
	code, _ := body["error"].(string)
	return code, body
}

func TestIdPDeviceFlowPolling(t *testing.T) {
	t.Parallel()
	clock := idpNewClock()
	i := idpStart(t, IdPOptions{Now: clock.Now, DeviceInterval: time.Second})
	c := idpNewClient(t, i, clock.Now, "localhost")
	da := idpDeviceStart(t, c)
	if da.Interval != 1 || da.VerificationURI != i.Issuer()+"/device" ||
		!strings.Contains(da.VerificationURIComplete, "user_code=") || len(da.UserCode) != 9 {
		t.Fatalf("device auth = %+v", da)
	}
	steps := []struct {
		name    string
		advance time.Duration
		approve bool
		want    string
	}{
		{"first poll", 0, false, "authorization_pending"},
		{"too fast", 0, false, "slow_down"},                     // interval 1s → 6s
		{"still too fast", 2 * time.Second, false, "slow_down"}, // interval 6s → 11s
		{"after the new interval", 11 * time.Second, false, "authorization_pending"},
		{"approved", 11 * time.Second, true, ""},
		{"code consumed", 11 * time.Second, false, "invalid_grant"},
	}
	for _, s := range steps {
		clock.Advance(s.advance)
		if s.approve {
			if err := i.ApproveDevice(strings.ToLower(strings.ReplaceAll(da.UserCode, "-", ""))); err != nil {
				t.Fatalf("%s: approve: %v", s.name, err)
			}
		}
		got, body := idpPoll(t, i, da.DeviceCode)
		if got != s.want {
			t.Fatalf("%s: error = %q, want %q", s.name, got, s.want)
		}
		if s.want == "" {
			c.verify(t, (&oauth2.Token{AccessToken: "x"}).WithExtra(body))
		}
	}
	if err := i.ApproveDevice(da.UserCode); err == nil {
		t.Fatal("approving a used user code succeeded")
	}
}

func TestIdPDeviceFlowEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		act    func(i *IdP, clock *idpTestClock, userCode string) error
		want   string
		wantOK bool // of act
	}{
		{"expired", func(i *IdP, clock *idpTestClock, userCode string) error {
			clock.Advance(601 * time.Second)
			return i.ApproveDevice(userCode)
		}, "expired_token", false},
		{"denied", func(i *IdP, _ *idpTestClock, userCode string) error {
			return i.DenyDevice(userCode)
		}, "access_denied", true},
		{"denied in the browser", func(i *IdP, _ *idpTestClock, userCode string) error {
			return idpGetOK(i.Issuer() + "/device?action=deny&user_code=" + url.QueryEscape(userCode))
		}, "access_denied", true},
		{"approved in the browser", func(i *IdP, _ *idpTestClock, userCode string) error {
			return FakeBrowser(context.Background(), nil, i.Issuer()+"/device?user_code="+url.QueryEscape(userCode))
		}, "", true},
		{"unknown user code", func(i *IdP, _ *idpTestClock, _ string) error {
			return i.ApproveDevice("BBBB-BBBB")
		}, "authorization_pending", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := idpNewClock()
			i := idpStart(t, IdPOptions{Now: clock.Now})
			c := idpNewClient(t, i, clock.Now, "localhost")
			da := idpDeviceStart(t, c)
			if err := tt.act(i, clock, da.UserCode); (err == nil) != tt.wantOK {
				t.Fatalf("act err = %v, want ok=%v", err, tt.wantOK)
			}
			if got, _ := idpPoll(t, i, da.DeviceCode); got != tt.want {
				t.Fatalf("poll = %q, want %q", got, tt.want)
			}
		})
	}
}

// idpGetOK fetches a URL and fails on a status of 400 or more.
func idpGetOK(u string) error {
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode >= 400 {
		return &url.Error{Op: "GET", URL: u, Err: http.ErrNotSupported}
	}
	return nil
}

func TestIdPDeviceAuthorizationErrors(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{})
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantCode   string
	}{
		{"unknown client", url.Values{"client_id": {"x"}, "scope": {"openid"}}, 401, "invalid_client"},
		{"no openid", url.Values{"client_id": {i.ClientID()}, "scope": {"email"}}, 400, "invalid_scope"},
		{"repeated", url.Values{"client_id": {i.ClientID(), i.ClientID()}, "scope": {"openid"}}, 400, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := idpPost(t, i.Issuer()+"/device_authorization", tt.form)
			if resp.StatusCode != tt.wantStatus || body["error"] != tt.wantCode {
				t.Fatalf("status %d body %v", resp.StatusCode, body)
			}
		})
	}
	if got, _ := idpPoll(t, i, "unknown"); got != "invalid_grant" {
		t.Fatalf("unknown device code: %q", got)
	}
}

// TestIdPDeviceAccessTokenRealClient runs x/oauth2's own polling loop
// against the IdP on the real clock (about two seconds).
func TestIdPDeviceAccessTokenRealClient(t *testing.T) {
	t.Parallel()
	i := idpStart(t, IdPOptions{DeviceInterval: time.Second})
	c := idpNewClient(t, i, nil, "localhost")
	da := idpDeviceStart(t, c)
	// Approve once the first poll has been answered (pending). Counting
	// polls was not enough: the IdP counts a request before it decides,
	// and an approval that slipped in between made the first poll succeed.
	answered := make(chan struct{})
	var once sync.Once
	hc := &http.Client{Transport: afterResponse{next: http.DefaultTransport, done: func() { once.Do(func() { close(answered) }) }}}
	ctx, cancel := context.WithTimeout(context.WithValue(context.Background(), oauth2.HTTPClient, hc), 10*time.Second)
	defer cancel()
	approved := make(chan error, 1)
	go func() {
		select {
		case <-answered:
			approved <- FakeBrowser(context.Background(), nil, da.VerificationURIComplete)
		case <-ctx.Done():
			approved <- ctx.Err()
		}
	}()
	tok, err := c.cfg.DeviceAccessToken(ctx, da)
	if err != nil {
		t.Fatalf("device access token: %v", err)
	}
	if err := <-approved; err != nil {
		t.Fatalf("approve: %v", err)
	}
	idt, _ := c.verify(t, tok)
	if idt.Subject != "00u-alice" || idt.Nonce != "" || tok.RefreshToken == "" {
		t.Fatalf("sub %q nonce %q refresh %t", idt.Subject, idt.Nonce, tok.RefreshToken != "")
	}
	if n := i.Counts()["token:device_code"]; n != 2 {
		t.Fatalf("polls = %d, want 2 (pending, then success)", n)
	}
}

// afterResponse calls done after each response from next has arrived.
type afterResponse struct {
	next http.RoundTripper
	done func()
}

func (a afterResponse) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(r)
	a.done()
	return resp, err
}
