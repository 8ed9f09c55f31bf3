package awsemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"
)

const fedSigninTTL = 15 * time.Minute

// fedState is the federation endpoint's state, under its own lock: the
// sign-in tokens issued and whether sessions carrying a person (identity-
// enhanced ones and web identity ones with an OriginIdentity) are refused
// (SetRefuseFederationForContext).
type fedState struct {
	mu            sync.Mutex
	signin        map[string]fedSigninToken
	refuseContext bool
}

// fedSigninToken is a console sign-in token issued by getSigninToken.
type fedSigninToken struct {
	issued    time.Time
	principal Principal
}

// fedSession is the Session parameter of getSigninToken.
type fedSession struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

// serveFederation handles the console federation endpoint (not SigV4):
// Action=getSigninToken and Action=login. Errors are JSON {"Code","Message"}.
func (a *AWS) serveFederation(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		fedWriteError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "use GET or POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		fedWriteError(w, http.StatusBadRequest, "MalformedRequest", "malformed query or form")
		return
	}
	action := r.Form.Get("Action")
	if action != "getSigninToken" && action != "login" {
		fedWriteError(w, http.StatusBadRequest, "InvalidAction", "unknown federation action "+strconv.Quote(action))
		return
	}
	if f, failed := a.begin(action, "", Recorded{Params: r.Form, Header: r.Header.Clone()}); failed {
		fedWriteError(w, f.status, f.code, f.message)
		return
	}
	var apiErr *awsAPIError
	if action == "login" {
		apiErr = a.fedLogin(w, r.Form)
	} else {
		apiErr = a.fedGetSigninToken(w, r.Form)
	}
	if apiErr != nil {
		fedWriteError(w, apiErr.status, apiErr.code, apiErr.message)
	}
}

// fedGetSigninToken exchanges temporary credentials for a sign-in token.
func (a *AWS) fedGetSigninToken(w http.ResponseWriter, form url.Values) *awsAPIError {
	var s fedSession
	if err := json.Unmarshal([]byte(form.Get("Session")), &s); err != nil || s.SessionID == "" {
		return awsErr(http.StatusBadRequest, "MalformedSession", "Session must be JSON {sessionId, sessionKey, sessionToken}")
	}
	cred, ok := a.lookupCred(s.SessionID)
	if !ok || !awsEqual(s.SessionKey, cred.secret) || !awsEqual(s.SessionToken, cred.token) {
		return awsErr(http.StatusForbidden, "InvalidCredentials", "the session credentials are not valid")
	}
	p := cred.principal
	switch {
	case !a.now().Before(p.Expiration):
		return awsErr(http.StatusForbidden, "ExpiredCredentials", "the session credentials have expired")
	case p.Kind == "s3ag":
		return awsErr(http.StatusForbidden, "UnsupportedCredentials", "only credentials from AssumeRole* can sign in to the console")
	}
	if d := form.Get("SessionDuration"); d != "" {
		if p.Kind != "oidc-role" && p.Kind != "web-identity" { // first-hop sessions only
			return awsErr(http.StatusBadRequest, "SessionDurationNotAllowed", "SessionDuration is not allowed for role-chained sessions")
		}
		secs, err := strconv.Atoi(d)
		if err != nil || secs < 900 || secs > 43200 {
			return awsErr(http.StatusBadRequest, "InvalidSessionDuration", "SessionDuration must be between 900 and 43200")
		}
	}
	a.fed.mu.Lock()
	refuse := a.fed.refuseContext
	a.fed.mu.Unlock()
	if refuse && (p.Kind == "id-enhanced" || p.Origin != nil) {
		return awsErr(http.StatusForbidden, "IdentityContextNotSupported", "console sign-in does not support sessions with an identity context")
	}
	tok := "sandbox-signin-" + awsRandom(awsAlnumLower, 400)
	a.fed.mu.Lock()
	a.fed.signin[tok] = fedSigninToken{issued: a.now(), principal: p}
	a.fed.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"SigninToken": tok})
	return nil
}

// fedLogin redirects to Destination when SigninToken is valid and younger
// than 15 minutes.
func (a *AWS) fedLogin(w http.ResponseWriter, form url.Values) *awsAPIError {
	a.fed.mu.Lock()
	tok, ok := a.fed.signin[form.Get("SigninToken")]
	a.fed.mu.Unlock()
	switch {
	case !ok:
		return awsErr(http.StatusBadRequest, "InvalidSigninToken", "the sign-in token is not valid")
	case a.now().Sub(tok.issued) >= fedSigninTTL:
		return awsErr(http.StatusBadRequest, "ExpiredSigninToken", "the sign-in token is older than 15 minutes")
	}
	dest, err := url.Parse(form.Get("Destination"))
	if err != nil || (dest.Scheme != "https" && dest.Scheme != "http") || dest.Host == "" {
		return awsErr(http.StatusBadRequest, "InvalidDestination", "Destination must be an absolute http(s) URL")
	}
	w.Header().Set("Location", dest.String())
	w.WriteHeader(http.StatusFound)
	return nil
}
