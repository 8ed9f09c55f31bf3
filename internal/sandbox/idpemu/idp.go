// Package idpemu is the sandbox's first party: a loopback OpenID Connect
// identity provider (the idp*.go files) and the fake browser that signs in
// to it. It serves tests, `tip-cli demo` and the long-running sandbox server
// used by end-to-end runs with the real AWS CLI.
//
// The IdP enforces what a real workforce IdP (Okta, Entra ID, Cognito)
// enforces: OAuth 2.0 authorization code with PKCE S256 only (RFC 6749,
// RFC 7636), loopback redirect URIs (RFC 8252 §7.3), single-use codes,
// rotating refresh tokens with replay detection that revokes the whole grant
// (OAuth 2.0 Security BCP §4.14), and the device authorization grant
// (RFC 8628). ID tokens are RS256 JWTs (OpenID Connect Core 1.0).
package idpemu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// User is an identity the simulated IdP can sign in.
type User struct {
	Subject string
	Email   string
	Name    string
	Groups  []string
}

// IdPOptions configures NewIdP. The zero value is usable.
type IdPOptions struct {
	// Now is the clock used for code, token and device expiry; default time.Now.
	Now func() time.Time
	// ClientID is the only registered (public) client; default "tip-cli-sandbox".
	ClientID string
	// Users known to the IdP; default one user, alice@example.com.
	Users []User
	// IDTokenTTL is the lifetime of ID and access tokens; default 1h.
	IDTokenTTL time.Duration
	// Addr is the listen address; default "127.0.0.1:0". Only loopback
	// addresses are accepted.
	Addr string
	// DeviceInterval is the polling interval announced by the device
	// authorization endpoint (RFC 8628 §3.2); default 5s, rounded up to
	// whole seconds.
	DeviceInterval time.Duration
	// Key signs ID tokens; default a fresh 2048-bit RSA key.
	Key *rsa.PrivateKey
	// MetadataMaxAge is the Cache-Control max-age of the discovery
	// document and the JWKS; default 24h, negative sends no Cache-Control.
	MetadataMaxAge time.Duration
	// NoJTI issues ID tokens the way the certified oidc-provider does: no
	// jti claim, and a refresh repeats the sign-in's nonce. Two tokens of
	// one grant issued within one second of the IdP clock (iat), the
	// sign-in's included, are then byte-identical.
	NoJTI bool
	// NoDevice leaves device_authorization_endpoint out of the discovery
	// document, as Amazon Cognito does (the endpoint itself still answers).
	NoDevice bool
}

// IdP is a loopback OpenID Connect provider. All methods are safe for
// concurrent use.
type IdP struct {
	// refreshHold holds back successful refreshes' answers (HoldRefreshAnswers).
	refreshHold *refreshHold

	now      func() time.Time
	clientID string
	users    []User
	ttl      time.Duration
	interval time.Duration
	maxAge   time.Duration
	keyMu    sync.RWMutex // guards key, kid and signer (RotateSigningKey)
	key      *rsa.PrivateKey
	noJTI    bool
	noDevice bool
	kid      string
	signer   jose.Signer
	issuer   string
	srv      *http.Server
	closed   sync.Once

	mu       sync.Mutex
	current  User
	denyNext string
	shape    func(claims map[string]any) // ShapeIDTokens; nil for plain tokens
	counts   map[string]int
	codes    map[string]*idpCode
	families map[string]*idpFamily
	refresh  map[string]*idpRefresh
	access   map[string]*idpAccess
	devices  map[string]*idpDevice
	userCode map[string]string // normalized user code → device code
}

// idpDefaultUser is the single user of an IdP created without Users.
func idpDefaultUser() User {
	return User{
		Subject: "00u-alice",
		Email:   "alice@example.com",
		Name:    "Alice Example",
		Groups:  []string{"data-analysts"},
	}
}

// NewIdP starts an IdP on a loopback address. Call Close when done.
func NewIdP(opts IdPOptions) (*IdP, error) {
	i, err := idpFromOptions(opts)
	if err != nil {
		return nil, err
	}
	ln, err := idpListen(opts.Addr)
	if err != nil {
		return nil, err
	}
	i.issuer = "http://" + ln.Addr().String()
	i.srv = &http.Server{
		Handler:           i.handler(),
		ReadHeaderTimeout: 10 * time.Second,
	}
	go func() { _ = i.srv.Serve(ln) }()
	return i, nil
}

// idpFromOptions validates opts, applies defaults and prepares the signer.
func idpFromOptions(opts IdPOptions) (*IdP, error) {
	i := &IdP{
		now:      opts.Now,
		clientID: opts.ClientID,
		users:    slices.Clone(opts.Users),
		ttl:      opts.IDTokenTTL,
		interval: opts.DeviceInterval,
		key:      opts.Key,
		maxAge:   opts.MetadataMaxAge,
		noJTI:    opts.NoJTI,
		noDevice: opts.NoDevice,
		counts:   map[string]int{},
		codes:    map[string]*idpCode{},
		families: map[string]*idpFamily{},
		refresh:  map[string]*idpRefresh{},
		access:   map[string]*idpAccess{},
		devices:  map[string]*idpDevice{},
		userCode: map[string]string{},
	}
	if i.now == nil {
		i.now = time.Now
	}
	if i.clientID == "" {
		i.clientID = "tip-cli-sandbox"
	}
	if len(i.users) == 0 {
		i.users = []User{idpDefaultUser()}
	}
	for _, u := range i.users {
		if u.Subject == "" || u.Email == "" {
			return nil, fmt.Errorf("new idp: user %q needs a subject and an email", u.Email)
		}
	}
	i.current = i.users[0]
	if i.ttl <= 0 {
		i.ttl = time.Hour
	}
	if i.interval <= 0 {
		i.interval = 5 * time.Second
	}
	i.interval = (i.interval + time.Second - 1) / time.Second * time.Second
	if err := i.initSigner(); err != nil {
		return nil, err
	}
	return i, nil
}

// initSigner generates the key if needed and builds the RS256 signer.
func (i *IdP) initSigner() error {
	if i.key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return fmt.Errorf("new idp: generate signing key: %w", err)
		}
		i.key = k
	}
	pub := jose.JSONWebKey{Key: &i.key.PublicKey}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return fmt.Errorf("new idp: key thumbprint: %w", err)
	}
	i.kid = base64.RawURLEncoding.EncodeToString(tp)[:16]
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: i.key, KeyID: i.kid}},
		(&jose.SignerOptions{}).WithType("JWT"),
	)
	if err != nil {
		return fmt.Errorf("new idp: signer: %w", err)
	}
	i.signer = signer
	return nil
}

// idpListen binds addr after checking it is a loopback address.
func idpListen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("new idp: listen address %q: %w", addr, err)
	}
	if !loopback.IsHost(host) {
		return nil, fmt.Errorf("new idp: listen address %q is not loopback", addr)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return nil, fmt.Errorf("new idp: listen on %s: %w", addr, err)
	}
	return ln, nil
}

// handler routes the IdP endpoints; any other path is 404.
func (i *IdP) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", i.handleDiscovery)
	mux.HandleFunc("GET /jwks", i.handleJWKS)
	mux.HandleFunc("GET /authorize", i.handleAuthorize)
	mux.HandleFunc("POST /token", i.handleToken)
	mux.HandleFunc("POST /device_authorization", i.handleDeviceAuthorization)
	mux.HandleFunc("GET /device", i.handleDeviceVerification)
	mux.HandleFunc("GET /userinfo", i.handleUserInfo)
	mux.HandleFunc("POST /userinfo", i.handleUserInfo)
	return mux
}

// Issuer is the issuer URL, "http://127.0.0.1:PORT" without a trailing slash.
func (i *IdP) Issuer() string { return i.issuer }

// ClientID is the registered public client id.
func (i *IdP) ClientID() string { return i.clientID }

// Close stops the server and drops open connections. It is idempotent.
func (i *IdP) Close() {
	i.closed.Do(func() { _ = i.srv.Close() })
}

// count increments a counter.
func (i *IdP) count(name string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.counts[name]++
}

// idpRandom returns n random bytes, base64url-encoded.
func idpRandom(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

// handleDiscovery serves OpenID Connect Discovery 1.0 metadata.
func (i *IdP) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	i.count("discovery")
	i.cacheControl(w)
	doc := map[string]any{
		"issuer":                                i.issuer,
		"authorization_endpoint":                i.issuer + "/authorize",
		"token_endpoint":                        i.issuer + "/token",
		"jwks_uri":                              i.issuer + "/jwks",
		"userinfo_endpoint":                     i.issuer + "/userinfo",
		"device_authorization_endpoint":         i.issuer + "/device_authorization",
		"response_types_supported":              []string{"code"},
		"response_modes_supported":              []string{"query"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"none"},
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", idpGrantDevice},
		"scopes_supported":                      idpScopes(),
		"claims_supported": []string{
			"iss", "aud", "sub", "email", "name", "groups", "iat", "exp", "auth_time", "nonce", "jti",
		},
	}
	if i.noDevice {
		delete(doc, "device_authorization_endpoint")
	}
	idpWriteJSON(w, http.StatusOK, doc)
}

// handleJWKS serves the public signing key (RFC 7517).
func (i *IdP) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	i.count("jwks")
	i.cacheControl(w)
	i.keyMu.RLock()
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &i.key.PublicKey, KeyID: i.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}}
	i.keyMu.RUnlock()
	idpWriteJSON(w, http.StatusOK, set)
}

// idpScopes lists the scopes the IdP accepts; others are invalid_scope.
func idpScopes() []string {
	return []string{"openid", "profile", "email", "groups", "offline_access"}
}

// cacheControl sets the metadata responses' Cache-Control (MetadataMaxAge);
// before this the sandbox sent no-store, which real IdPs do not.
func (i *IdP) cacheControl(w http.ResponseWriter) {
	age := i.maxAge
	if age < 0 {
		w.Header()["Cache-Control"] = []string{} // present but empty: no header is sent
		return
	}
	if age == 0 {
		age = 24 * time.Hour
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(age/time.Second)))
}
