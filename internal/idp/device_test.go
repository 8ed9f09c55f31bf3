package idp

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
	"github.com/tip-cli/tip-cli/internal/testclock"
)

// The device flow waits through DeviceOptions.Sleep: the tests of its
// timing move a test clock the sandbox IdP shares; the others use the real
// clock and a 1 s interval.

func TestLoginDevice(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Now())
	idp := newSandbox(t, idpemu.IdPOptions{Now: clock.Now, DeviceInterval: time.Second})
	c := newClient(idp, clock.Now)
	pr := &pollRecorder{now: clock.Now}
	c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: pr}
	var shown [3]string
	show := func(uri, code, complete string) {
		shown = [3]string{uri, code, complete}
		if err := idp.ApproveDevice(code); err != nil {
			t.Errorf("approve: %v", err)
		}
	}
	toks, err := c.LoginDevice(t.Context(), DeviceOptions{Show: show, Sleep: clockSleep(clock)})
	if err != nil {
		t.Fatalf("device login: %v", err)
	}
	if shown[0] != idp.Issuer()+"/device" || len(shown[1]) != 9 || !strings.Contains(shown[2], "user_code=") {
		t.Errorf("shown = %q", shown)
	}
	if toks.Subject != "00u-alice" || toks.RefreshToken == "" || toks.IDToken == "" {
		t.Errorf("tokens: subject %q, refresh %t", toks.Subject, toks.RefreshToken != "")
	}
	if polls := pr.recorded(); len(polls) != 1 || polls[0].error != "" {
		t.Errorf("polls = %+v, want one successful poll", polls)
	}
}

// TestLoginDeviceSlowDown polls once too early: the IdP answers slow_down,
// and the next poll must wait the interval plus 5 s (RFC 8628 §3.5).
func TestLoginDeviceSlowDown(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Now())
	idp := newSandbox(t, idpemu.IdPOptions{Now: clock.Now, DeviceInterval: time.Second})
	c := newClient(idp, clock.Now)
	var userCode string
	pr := &pollRecorder{early: true, now: clock.Now, after: func(errorCode string) {
		if errorCode == "slow_down" { // the user approves while the client backs off
			if err := idp.ApproveDevice(userCode); err != nil {
				t.Errorf("approve: %v", err)
			}
		}
	}}
	c.HTTPClient = &http.Client{Timeout: 10 * time.Second, Transport: pr}
	show := func(_, code, _ string) { userCode = code }
	if _, err := c.LoginDevice(t.Context(), DeviceOptions{Show: show, Sleep: clockSleep(clock)}); err != nil {
		t.Fatalf("device login: %v", err)
	}
	polls := pr.recorded()
	if len(polls) != 3 || polls[0].error != "authorization_pending" || polls[1].error != "slow_down" || polls[2].error != "" {
		t.Fatalf("polls = %+v, want pending (early poll), slow_down, success", polls)
	}
	if gap := polls[2].at.Sub(polls[1].at); gap < 5900*time.Millisecond {
		t.Errorf("poll after slow_down came %v later, want >= 6s (1s interval + 5s)", gap)
	}
}

func TestLoginDeviceErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(idp *idpemu.IdP, c *Client, cancel context.CancelFunc) func(uri, code, complete string)
		check func(t *testing.T, err error)
	}{
		{
			name: "user denies",
			setup: func(idp *idpemu.IdP, _ *Client, _ context.CancelFunc) func(string, string, string) {
				return func(_, code, _ string) { _ = idp.DenyDevice(code) }
			},
			check: func(t *testing.T, err error) {
				var ce *callbackError
				if !errors.As(err, &ce) || ce.Code != "access_denied" ||
					!strings.HasPrefix(err.Error(), "sign-in was refused by the identity provider: access_denied") {
					t.Fatalf("err = %v, want *callbackError access_denied", err)
				}
			},
		},
		{
			name: "ctrl-c while polling",
			setup: func(_ *idpemu.IdP, _ *Client, cancel context.CancelFunc) func(string, string, string) {
				return func(string, string, string) { time.AfterFunc(100*time.Millisecond, cancel) }
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "sign-in cancelled") {
					t.Fatalf("err = %v, want sign-in cancelled", err)
				}
			},
		},
		{
			name: "code expires",
			setup: func(_ *idpemu.IdP, c *Client, _ context.CancelFunc) func(string, string, string) {
				c.HTTPClient = &http.Client{Transport: &rewriter{path: "/device_authorization", edit: func(b map[string]any) {
					b["expires_in"] = 1
				}}}
				return func(string, string, string) {}
			},
			check: func(t *testing.T, err error) {
				var ce *callbackError
				if !errors.As(err, &ce) || ce.Code != "expired_token" || !strings.Contains(err.Error(), "expired") {
					t.Fatalf("err = %v, want *callbackError expired_token", err)
				}
			},
		},
		{
			name: "no device endpoint",
			setup: func(_ *idpemu.IdP, c *Client, _ context.CancelFunc) func(string, string, string) {
				c.HTTPClient = &http.Client{Transport: &rewriter{path: "/.well-known/openid-configuration", edit: func(b map[string]any) {
					delete(b, "device_authorization_endpoint")
				}}}
				return func(string, string, string) { t.Error("show called without a device endpoint") }
			},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "does not support device sign-in") {
					t.Fatalf("err = %v", err)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			idp := newSandbox(t, idpemu.IdPOptions{DeviceInterval: time.Second})
			c := newClient(idp, nil)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			show := tt.setup(idp, c, cancel)
			toks, err := c.LoginDevice(ctx, DeviceOptions{Show: show})
			if toks != nil {
				t.Error("tokens returned with an error")
			}
			tt.check(t, err)
		})
	}
}
