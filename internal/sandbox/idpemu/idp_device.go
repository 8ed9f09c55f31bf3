package idpemu

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// idpDeviceTTL is the lifetime of a device code (RFC 8628 §3.2 expires_in).
const idpDeviceTTL = 600 * time.Second

// idpDeviceState is where a device authorization stands.
type idpDeviceState int

const (
	idpDevicePending idpDeviceState = iota
	idpDeviceApproved
	idpDeviceDenied
	idpDeviceConsumed
)

// idpDevice is one pending device authorization (RFC 8628 §3.1).
type idpDevice struct {
	userCode string
	grant    idpGrant // user and authTime are set on approval
	expires  time.Time
	interval time.Duration
	lastPoll time.Time
	state    idpDeviceState
}

// handleDeviceAuthorization implements RFC 8628 §3.1/§3.2.
func (i *IdP) handleDeviceAuthorization(w http.ResponseWriter, r *http.Request) {
	i.count("device_authorization")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		idpWriteOAuthError(w, &idpAuthError{"invalid_request", "malformed form body"}, false)
		return
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			idpWriteOAuthError(w, &idpAuthError{"invalid_request", k + " is repeated"}, false)
			return
		}
	}
	_, _, basic := r.BasicAuth()
	clientID, err := i.authenticateClient(r, r.PostForm)
	if err != nil {
		idpWriteOAuthError(w, err, basic)
		return
	}
	scopes, err := idpParseScopes(r.PostForm.Get("scope"))
	if err != nil {
		idpWriteOAuthError(w, err, basic)
		return
	}
	deviceCode, userCode := i.newDevice(idpGrant{clientID: clientID, scopes: scopes})
	verify := i.issuer + "/device"
	idpWriteJSON(w, http.StatusOK, map[string]any{
		"device_code":               deviceCode,
		"user_code":                 userCode,
		"verification_uri":          verify,
		"verification_uri_complete": verify + "?user_code=" + url.QueryEscape(userCode),
		"expires_in":                int64(idpDeviceTTL / time.Second),
		"interval":                  int64(i.interval / time.Second),
	})
}

// newDevice records a pending device authorization and returns its codes.
func (i *IdP) newDevice(g idpGrant) (deviceCode, userCode string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	now := i.now()
	for dc, d := range i.devices {
		if now.Sub(d.expires) > 10*time.Minute {
			delete(i.userCode, idpNormalizeUserCode(d.userCode))
			delete(i.devices, dc)
		}
	}
	for {
		userCode = idpNewUserCode()
		if _, taken := i.userCode[idpNormalizeUserCode(userCode)]; !taken {
			break
		}
	}
	deviceCode = idpRandom(32)
	i.devices[deviceCode] = &idpDevice{
		userCode: userCode, grant: g, expires: now.Add(idpDeviceTTL), interval: i.interval,
	}
	i.userCode[idpNormalizeUserCode(userCode)] = deviceCode
	return deviceCode, userCode
}

// idpUserCodeAlphabet has no vowels and no look-alikes (RFC 8628 §6.1).
const idpUserCodeAlphabet = "BCDFGHJKLMNPQRSTVWXZ"

// idpNewUserCode returns a code like "BCDF-GHJK".
func idpNewUserCode() string {
	var out []byte
	b := make([]byte, 1)
	for len(out) < 9 {
		if len(out) == 4 {
			out = append(out, '-')
			continue
		}
		_, _ = rand.Read(b) // crypto/rand.Read never returns an error
		if int(b[0]) < 256-256%len(idpUserCodeAlphabet) {
			out = append(out, idpUserCodeAlphabet[int(b[0])%len(idpUserCodeAlphabet)])
		}
	}
	return string(out)
}

// idpNormalizeUserCode makes user input comparable: upper case, no dashes
// or spaces (RFC 8628 §6.1).
func idpNormalizeUserCode(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(s))
}

// handleDeviceVerification is the simulated browser page at the
// verification URI: with user_code it approves (or, with action=deny,
// denies) as the current user.
func (i *IdP) handleDeviceVerification(w http.ResponseWriter, r *http.Request) {
	i.count("device_verification")
	q := r.URL.Query()
	code := q.Get("user_code")
	if code == "" {
		idpHTML(w, http.StatusOK, "Device sign-in", "Open this page with ?user_code=XXXX-XXXX to approve a device.")
		return
	}
	approve := q.Get("action") != "deny"
	if err := i.decideDevice(code, approve); err != nil {
		idpHTMLError(w, err.Error())
		return
	}
	if !approve {
		idpHTML(w, http.StatusOK, "Device denied", "The device was not signed in. You may close this window.")
		return
	}
	idpHTML(w, http.StatusOK, "Device approved", "The device is signed in. You may close this window.")
}

// decideDevice records the user's decision on a pending user code.
func (i *IdP) decideDevice(userCode string, approve bool) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	d, ok := i.devices[i.userCode[idpNormalizeUserCode(userCode)]]
	switch {
	case !ok:
		return fmt.Errorf("unknown user code")
	case i.now().After(d.expires):
		return fmt.Errorf("user code expired")
	case d.state != idpDevicePending:
		return fmt.Errorf("user code was already used")
	}
	d.state = idpDeviceDenied
	if approve {
		d.state = idpDeviceApproved
		d.grant.user, d.grant.authTime = i.current, i.now()
	}
	return nil
}

// deviceGrant answers a device access token poll (RFC 8628 §3.4/§3.5).
// A poll sooner than the interval (less a fifth of it, for network jitter)
// after the previous one gets slow_down and adds 5 s to the interval.
func (i *IdP) deviceGrant(clientID string, form url.Values) (map[string]any, error) {
	dc := form.Get("device_code")
	if dc == "" {
		return nil, &idpAuthError{"invalid_request", "device_code is required"}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	d, ok := i.devices[dc]
	switch {
	case !ok:
		return nil, &idpAuthError{"invalid_grant", "device code is invalid"}
	case d.grant.clientID != clientID:
		return nil, &idpAuthError{"invalid_grant", "device code was issued to another client"}
	case d.state == idpDeviceConsumed:
		return nil, &idpAuthError{"invalid_grant", "device code was already used"}
	}
	now := i.now()
	if now.After(d.expires) {
		return nil, &idpAuthError{"expired_token", "device code expired"}
	}
	previous := d.lastPoll
	d.lastPoll = now
	if !previous.IsZero() && now.Sub(previous) < d.interval-d.interval/5 {
		d.interval += 5 * time.Second
		return nil, &idpAuthError{"slow_down", "polling too fast"}
	}
	switch d.state {
	case idpDeviceDenied:
		return nil, &idpAuthError{"access_denied", "the user denied the request"}
	case idpDevicePending:
		return nil, &idpAuthError{"authorization_pending", "the user has not approved yet"}
	}
	d.state = idpDeviceConsumed
	resp, _, err := i.issueLocked(d.grant, "")
	return resp, err
}
