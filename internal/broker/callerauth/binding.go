package callerauth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
)

// Signed headers that bind a presigned GetCallerIdentity request to the one
// broker request it authorises (as Vault's AWS auth binds
// iam_request_headers). The caller signs them; the broker sends STS the
// values of the request it actually received, so a captured Authorization
// header is good for that exact request only: another method, path, query
// or body makes STS's signature check fail. The query and body go as
// digests: the query holds the end user's JWT, which STS need not see.
const (
	HeaderMethod      = "X-Tip-Broker-Method"
	HeaderPath        = "X-Tip-Broker-Path"
	HeaderQuerySHA256 = "X-Tip-Broker-Query-Sha256"
	HeaderBodySHA256  = "X-Tip-Broker-Body-Sha256"
)

// Binding is the broker request a presigned GetCallerIdentity request
// authorises: its method, escaped path (as sent on the wire, e.g.
// "/applications"), raw query and body.
type Binding struct {
	Method, Path, RawQuery string
	Body                   []byte
}

// BindingOf is the Binding of r with its already-read body.
func BindingOf(r *http.Request, body []byte) Binding {
	return Binding{Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery, Body: body}
}

// set writes b's headers on h.
func (b Binding) set(h http.Header) {
	path := b.Path
	if path == "" {
		path = "/"
	}
	q := sha256.Sum256([]byte(b.RawQuery))
	body := sha256.Sum256(b.Body)
	h.Set(HeaderMethod, strings.ToUpper(b.Method))
	h.Set(HeaderPath, path)
	h.Set(HeaderQuerySHA256, hex.EncodeToString(q[:]))
	h.Set(HeaderBodySHA256, hex.EncodeToString(body[:]))
}

// signedHeaders are the headers a presigned request must sign.
func signedHeaders() []string {
	return []string{"host", strings.ToLower(HeaderBrokerID), strings.ToLower(HeaderNonce),
		strings.ToLower(HeaderMethod), strings.ToLower(HeaderPath),
		strings.ToLower(HeaderQuerySHA256), strings.ToLower(HeaderBodySHA256)}
}
