package awsemu

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Identifiers of the emulated IAM Identity Center instance and its customer
// managed application.
const (
	awsInstanceID      = "ssoins-1111222233334444"
	awsApplicationID   = "apl-5555666677778888"
	awsIdentityStoreID = "d-1234567890"
	awsMaxBody         = 1 << 20
)

// GrantRule is one S3 Access Grant of the emulated Access Grants instance.
type GrantRule struct {
	// Grantee is an Identity Center user id or a group name.
	Grantee string
	// Scope is s3://b/*, s3://b/p/*, s3://b/p* or one object s3://b/key.
	Scope string
	// Permission is READ, WRITE or READWRITE.
	Permission string
}

// AWSOptions configures NewAWS. Zero values get the documented defaults.
type AWSOptions struct {
	// Now is the clock used for every expiry decision (default time.Now).
	Now func() time.Time
	// IssuerURL is the trusted OIDC provider (the IdP); its JWKS is fetched
	// over HTTP from its discovery document, like IAM's OIDC provider.
	IssuerURL string
	// Audiences are the accepted aud values (IAM OIDC provider ClientIDList);
	// default {"tip-cli-sandbox"}.
	Audiences []string
	// AccountID defaults to "123456789012".
	AccountID string
	// Region defaults to "us-east-1"; SigV4 credential scopes must name it.
	Region string
	// Users maps an IdP email to an Identity Center user id; unknown emails
	// get a deterministic id derived from the email (see AWS.UserID).
	Users map[string]string
	// Groups maps an Identity Center user id to group names (for grants).
	Groups map[string][]string
	// Grants are the S3 Access Grants of the instance.
	Grants []GrantRule
	// Addr is the listen address, default "127.0.0.1:0".
	Addr string
	// Key signs the Identity Center idToken; default a fresh 2048-bit RSA key.
	Key *rsa.PrivateKey
	// SessionLifetime, when set, is the lifetime of every identity-enhanced,
	// S3 Access Grants and web identity session of a role other than the
	// OIDC role (the sessions handed to users), whatever was asked: real STS
	// never issues less than 900 s, and tests of refreshing clients need
	// sessions that expire within seconds.
	SessionLifetime time.Duration

	// TIP for IAM federation (iam.go). ContextProvider, when set, is the
	// context provider of the IAM OIDC provider of IssuerURL: web identity
	// sessions through it then carry the person. nil leaves it without one.
	ContextProvider *ContextProvider
	// LinkIdentityCenter links that provider to the emulated Identity
	// Center instance (needs ContextProvider).
	LinkIdentityCenter bool
	// FederationMaxSession is the federation role's MaxSessionDuration
	// (default 12 h).
	FederationMaxSession time.Duration
	// FederationAudience is the aud the federation role's trust policy
	// requires (default Audiences[0]).
	FederationAudience string
}

// Principal is the identity behind credentials the emulator issued.
type Principal struct {
	AccessKeyID    string
	RoleARN        string
	AssumedRoleARN string
	SessionName    string
	// Kind is "oidc-role", "id-enhanced", "plain-role", "s3ag", "role"
	// (sessions of roles added with AddRole or minted by RoleCredentials)
	// or "web-identity" (AssumeRoleWithWebIdentity into another IAM role,
	// e.g. FederationRoleARN).
	Kind string
	// UserID is the Identity Center user id (id-enhanced and s3ag sessions).
	UserID     string
	Expiration time.Time
	// Tags are the session tags (aws:PrincipalTag), nil when none; never
	// modified after the session is issued.
	Tags map[string]string
	// TransitiveTagKeys are the keys of Tags passed on to chained sessions.
	TransitiveTagKeys []string
	// Origin is the person a web identity session carries (TIP for IAM
	// federation), nil when the IAM OIDC provider has no context provider;
	// never modified after the session is issued.
	Origin *OriginIdentity
}

// OriginIdentity is the trusted identity propagation context STS set in a
// session (sts types.TrustedIdentityPropagationContext).
type OriginIdentity struct {
	FederatedProviderARN, Issuer, Subject, SubjectType string
	// TransactionContext holds aws:TransactionContext/IdentityProvider/*.
	TransactionContext map[string]string
}

// Recorded is one request received by the emulator, parsed.
type Recorded struct {
	// Params holds the STS form, the S3 Control or federation query.
	Params url.Values
	// JSON holds a JSON request body.
	JSON map[string]any
	// Header is a copy of the request headers.
	Header http.Header
	// Caller is the verified SigV4 principal, nil when unsigned or refused.
	Caller *Principal
}

// awsFailure is one queued FailNext error.
type awsFailure struct {
	status        int
	code, message string
}

// awsTargetHandler serves one awsJson1_1 X-Amz-Target.
type awsTargetHandler func(w http.ResponseWriter, r *http.Request, caller *Principal, body []byte)

// AWS is a loopback emulation of the AWS endpoints of the TIP chain: STS,
// SSO OIDC CreateTokenWithIAM, S3 Control GetDataAccess, awsJson1_1 services
// registered with HandleTarget, and the console federation endpoint.
type AWS struct {
	opts     AWSOptions
	now      func() time.Time
	key      *rsa.PrivateKey
	kid      string
	verifier *awsTokenVerifier
	srv      *http.Server
	ln       net.Listener
	cancel   context.CancelFunc

	// Each part has its own lock; none is held while taking another.
	creds awsCredStore // the credentials the emulator issued
	oidc  oidcsvcState // SSO OIDC: identity contexts, used assertions
	fed   fedState     // console federation: sign-in tokens
	iam   iamState     // IAM: OIDC providers and roles
	hooks awsHooks     // test hooks: counts, recordings, failures, delays
	ext   extensions   // HandleTarget, HandleRoute and SetRoles registrations
}

// NewAWS starts the emulator on a loopback listener.
func NewAWS(opts AWSOptions) (*AWS, error) {
	opts = awsDefaults(opts)
	key := opts.Key
	if key == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("generate identity center signing key: %w", err)
		}
		key = k
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &AWS{
		opts:   opts,
		now:    opts.Now,
		key:    key,
		kid:    "sandbox-idc-" + awsRandom(awsAlnumLower, 8),
		ln:     ln,
		cancel: cancel,
		creds:  awsCredStore{m: map[string]*awsCred{}},
		oidc:   oidcsvcState{contexts: map[string]awsIdentityContext{}, assertions: map[string]time.Time{}},
		fed:    fedState{signin: map[string]fedSigninToken{}},
		hooks:  newAWSHooks(),
		ext:    extensions{targets: map[string]awsTargetHandler{}},
	}
	a.verifier = newAWSTokenVerifier(ctx, opts.IssuerURL, opts.Audiences, opts.Now)
	a.iamSeed()
	a.srv = &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.srv.Serve(ln) }()
	return a, nil
}

func awsDefaults(opts AWSOptions) AWSOptions {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Audiences) == 0 {
		opts.Audiences = []string{"tip-cli-sandbox"}
	}
	if opts.AccountID == "" {
		opts.AccountID = "123456789012"
	}
	if opts.Region == "" {
		opts.Region = "us-east-1"
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	return opts
}

// lifetime returns d, or the configured SessionLifetime when set.
func (a *AWS) lifetime(d time.Duration) time.Duration {
	if a.opts.SessionLifetime > 0 {
		return a.opts.SessionLifetime
	}
	return d
}

// URL is the base endpoint of every emulated service, http://127.0.0.1:PORT.
func (a *AWS) URL() string { return "http://" + a.ln.Addr().String() }

// Close stops the server.
func (a *AWS) Close() {
	a.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := a.srv.Shutdown(ctx); err != nil {
		_ = a.srv.Close()
	}
}

// AccountID is the emulated AWS account.
func (a *AWS) AccountID() string { return a.opts.AccountID }

// Region is the region SigV4 credential scopes must name.
func (a *AWS) Region() string { return a.opts.Region }

// OIDCRoleARN is the role trusted for AssumeRoleWithWebIdentity.
func (a *AWS) OIDCRoleARN() string { return a.roleARN(iamOIDCRoleName) }

// IDEnhancedRoleARN is the identity-enhanced role (needs an identity context).
func (a *AWS) IDEnhancedRoleARN() string { return a.roleARN("tip-sandbox-id-enhanced") }

// PlainRoleARN is a role the OIDC role session may assume without context.
func (a *AWS) PlainRoleARN() string { return a.roleARN("tip-sandbox-console") }

// ApplicationARN is the Identity Center customer managed application.
func (a *AWS) ApplicationARN() string {
	return "arn:aws:sso::" + a.opts.AccountID + ":application/" + awsInstanceID + "/" + awsApplicationID
}

// InstanceARN is the Identity Center instance.
func (a *AWS) InstanceARN() string { return "arn:aws:sso:::instance/" + awsInstanceID }

// IdentityStoreID is the Identity Center identity store.
func (a *AWS) IdentityStoreID() string { return awsIdentityStoreID }

func (a *AWS) roleARN(name string) string {
	return "arn:aws:iam::" + a.opts.AccountID + ":role/" + name
}

func (a *AWS) assumedRoleARN(roleARN, session string) string {
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	return "arn:aws:sts::" + a.opts.AccountID + ":assumed-role/" + name + "/" + session
}

// HandleTarget registers h for the awsJson1_1 X-Amz-Target target (e.g.
// "AWSIdentityStore.GetUserId"). h runs after SigV4 verification; the signing
// name is "sso" for SWBExternalService.*, "identitystore" for
// AWSIdentityStore.* and the one in the credential scope otherwise.
func (a *AWS) HandleTarget(target string, h func(w http.ResponseWriter, r *http.Request, caller *Principal, body []byte)) {
	a.ext.mu.Lock()
	defer a.ext.mu.Unlock()
	a.ext.targets[target] = h
}

// WriteJSONError writes an awsJson error: X-Amzn-ErrorType header and a
// {"__type","message"} body.
func (a *AWS) WriteJSONError(w http.ResponseWriter, status int, code, message string) {
	awsWriteJSONError(w, "application/x-amz-json-1.1", status, code, message, nil)
}

// ServeHTTP dispatches to the emulated services.
func (a *AWS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, awsMaxBody)
	switch {
	case r.URL.Path == "/federation":
		a.serveFederation(w, r)
	case r.URL.Path == "/token" && r.Method == http.MethodPost && r.URL.Query().Has("aws_iam"):
		a.serveCreateTokenWithIAM(w, r)
	case r.URL.Path == "/v20180820/accessgrantsinstance/dataaccess" && r.Method == http.MethodGet:
		a.serveGetDataAccess(w, r)
	case r.URL.Path == "/" && r.Method == http.MethodPost && r.Header.Get("X-Amz-Target") != "":
		a.serveTarget(w, r)
	case r.URL.Path == "/" && r.Method == http.MethodPost && iamSigned(r):
		a.serveIAM(w, r)
	case r.URL.Path == "/" && r.Method == http.MethodPost:
		a.serveSTS(w, r)
	default:
		a.serveRoutes(w, r)
	}
}

// awsReadBody reads the (size-limited) request body.
func awsReadBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	return b, nil
}
