package credserver

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// refusal is why a request was not served; it is logged and sent as the
// error code, and never carries the token.
type refusal struct {
	status        int
	code, message string
}

// check applies the checks every request must pass before credentials are
// looked at: method, path, Host (a DNS-rebound name is not the address the
// server serves), no browser markers (Origin, Sec-Fetch-*), the token.
func (s *server) check(r *http.Request) *refusal {
	switch {
	case r.Method != http.MethodGet:
		return &refusal{http.StatusMethodNotAllowed, "MethodNotAllowed", "only GET is served"}
	case s.endpoints[r.URL.Path] == nil:
		return &refusal{http.StatusNotFound, "NotFound", "unknown path"}
	case !s.hostMatches(r.Host):
		return &refusal{http.StatusForbidden, "ForeignHost", "the Host header does not name this server"}
	case r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Sec-Fetch-Mode") != "":
		return &refusal{http.StatusForbidden, "BrowserRequest", "requests from web pages are refused"}
	case r.Header.Get("Authorization") == "":
		return &refusal{http.StatusUnauthorized, "MissingToken", "no Authorization header: set AWS_CONTAINER_AUTHORIZATION_TOKEN"}
	case !tokenMatches(r.Header.Get("Authorization"), s.cfg.Token):
		return &refusal{http.StatusUnauthorized, "InvalidToken", "the authorization token is not this server's"}
	}
	return nil
}

// hostMatches reports whether the Host header names this server: its
// listen address, with the port or (as the AWS CRT's container provider
// sends it) without. Any other name, localhost included, is refused: a
// DNS-rebound page sends its own name.
func (s *server) hostMatches(h string) bool {
	if strings.EqualFold(h, s.host) {
		return true
	}
	ip, _, err := net.SplitHostPort(s.host)
	if err != nil {
		return false
	}
	if strings.Contains(ip, ":") {
		ip = "[" + ip + "]"
	}
	return strings.EqualFold(h, ip)
}

// ServeHTTP implements http.Handler.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.cfg.Now()
	w.Header().Set("Cache-Control", "no-store")
	if ref := s.check(r); ref != nil {
		s.cfg.Log.Warn("request refused", "remote", r.RemoteAddr, "status", ref.status, "reason", ref.code, "user_agent", r.UserAgent())
		writeError(w, ref.status, ref.code, ref.message)
		return
	}
	e := s.endpoints[r.URL.Path]
	c, waited, err := e.cache.get(r.Context())
	took := s.cfg.Now().Sub(start)
	if err != nil {
		status, code := http.StatusBadGateway, "CredentialsUnavailable"
		if e.rec.loginRequired(err) {
			status, code = http.StatusServiceUnavailable, "NotSignedIn"
		}
		if c == nil {
			s.cfg.Log.Error("request failed", "remote", r.RemoteAddr, "path", r.URL.Path, "status", status, "reason", code, "error", err, "took", took)
			writeError(w, status, code, err.Error())
			return
		}
		// The refresh failed but the credentials in hand are still valid.
		s.cfg.Log.Warn("refresh failed; serving the current credentials", "path", r.URL.Path, "reason", code, "error", err)
	} else if waited {
		e.rec.fetched()
	}
	s.cfg.Log.Info("request served", "remote", r.RemoteAddr, "path", r.URL.Path, "status", http.StatusOK, "refreshed", waited,
		"expiration", c.Expiration.UTC().Format(time.RFC3339), "took", took, "user_agent", r.UserAgent())
	writeJSON(w, http.StatusOK, response(c))
}

// credentialsJSON is the container credentials provider's response body.
type credentialsJSON struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	Token           string `json:"Token"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

func response(c *cred.Credentials) credentialsJSON {
	return credentialsJSON{
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		Token:           c.SessionToken,
		Expiration:      c.Expiration.UTC().Format(time.RFC3339),
		AccountID:       c.AccountID,
	}
}

// writeError sends the code and message twice: the Go SDK and botocore
// read code/message, the JS SDK v3's fromHttp reads Code/Message.
func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]string{"code": code, "message": message, "Code": code, "Message": message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status, data = http.StatusInternalServerError, []byte(`{"code":"InternalError","message":"encode response","Code":"InternalError","Message":"encode response"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(data)
}
