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
	headerMethod      = "X-Tip-Broker-Method"
	headerPath        = "X-Tip-Broker-Path"
	headerQuerySHA256 = "X-Tip-Broker-Query-Sha256"
	headerBodySHA256  = "X-Tip-Broker-Body-Sha256"
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
	h.Set(headerMethod, strings.ToUpper(b.Method))
	h.Set(headerPath, path)
	h.Set(headerQuerySHA256, hex.EncodeToString(q[:]))
	h.Set(headerBodySHA256, hex.EncodeToString(body[:]))
}

// signedHeaders are the headers a presigned request must sign.
func signedHeaders() []string {
	return []string{"host", strings.ToLower(headerBrokerID), strings.ToLower(headerNonce),
		strings.ToLower(headerMethod), strings.ToLower(headerPath),
		strings.ToLower(headerQuerySHA256), strings.ToLower(headerBodySHA256)}
}
