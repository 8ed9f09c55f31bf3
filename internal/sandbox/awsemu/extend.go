package awsemu

import (
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// This file is the seam through which emulators outside this package (the
// broker-side ones in sandbox/brokeremu: IAM roles added with AddRole, S3
// objects, presigned GetCallerIdentity) plug into the AWS endpoint without
// this package, and so `tip-cli demo`, linking them.

// Character sets of Random.
const (
	AlnumUpper  = awsAlnumUpper
	AlnumLower  = awsAlnumLower
	SecretChars = awsSecretSet
)

// Wire constants of STS and SigV4.
const (
	STSVersion      = stsVersion
	SigV4Algorithm  = sigv4Algorithm
	SigV4TimeFormat = sigv4TimeFmt
)

// Random returns n random characters of set (len(set) divides 256).
func Random(set string, n int) string { return awsRandom(set, n) }

// RequestID returns a random AWS request id.
func RequestID() string { return awsRequestID() }

// RoleID returns the stable AROA… unique id of a role ARN.
func RoleID(roleARN string) string { return awsRoleID(roleARN) }

// ReadBody reads the (size-limited) request body.
func ReadBody(r *http.Request) ([]byte, error) { return awsReadBody(r) }

// ParseSigV4Authorization checks the shape of a SigV4 Authorization header.
func ParseSigV4Authorization(h string) error {
	_, err := sigv4ParseAuthorization(h)
	return err
}

// APIError is an AWS API error an extension answers with; NewAPIError makes one.
type APIError = awsAPIError

// NewAPIError returns an AWS API error (status, code, formatted message).
func NewAPIError(status int, code, format string, args ...any) *APIError {
	return awsErr(status, code, format, args...)
}

// AuthError is a SigV4 verification failure (VerifySigV4).
type AuthError = awsAuthError

// AuthFailure classifies an AuthError.
type AuthFailure = awsAuthFailure

// The AuthFailure kinds.
const (
	AuthMissing   = awsAuthMissing   // no or unsupported Authorization
	AuthUnknown   = awsAuthUnknown   // unknown key id or session token
	AuthSignature = awsAuthSignature // signature or scope mismatch
	AuthExpired   = awsAuthExpired   // credentials expired
)

// NewAuthError returns a SigV4 failure of kind with a formatted message.
func NewAuthError(kind AuthFailure, format string, args ...any) *AuthError {
	return sigv4Fail(kind, format, args...)
}

// Kind is the failure's class.
func (e *awsAuthError) Kind() AuthFailure { return e.kind }

// Message is the failure's message as AWS words it.
func (e *awsAuthError) Message() string { return e.message }

// RESTXMLAuthCode is the status and code S3 answers a SigV4 failure with.
func RESTXMLAuthCode(kind AuthFailure) (int, string) { return awsAuthCode(awsProtoRestXML, kind) }

// RESTJSONAuthCode is the status and code a restJson1 service answers a
// SigV4 failure with.
func RESTJSONAuthCode(kind AuthFailure) (int, string) { return awsAuthCode(awsProtoRestJSON, kind) }

// WriteSTSError writes an STS awsQuery error document.
func WriteSTSError(w http.ResponseWriter, status int, code, message string) {
	stsWriteError(w, status, code, message)
}

// Failure is a queued FailNext error popped by Begin.
type Failure struct {
	Status        int
	Code, Message string
}

// Begin counts and records one call of op (Counts, Requests), pops a queued
// FailNext failure of op or target and applies SetDelay, as every built-in
// operation does first.
func (a *AWS) Begin(op, target string, rec Recorded) (Failure, bool) {
	f, failed := a.begin(op, target, rec)
	return Failure{Status: f.status, Code: f.code, Message: f.message}, failed
}

// VerifySigV4 checks a header-signed request for the signing name service
// ("" accepts the name in the credential scope) and returns the principal of
// the emulator-issued, unexpired credentials.
func (a *AWS) VerifySigV4(r *http.Request, body []byte, service string) (*Principal, *AuthError) {
	return a.verifySigV4(r, body, service)
}

// Credential is the secret part of credentials the emulator issued.
type Credential struct {
	Secret, Token string
	Principal     Principal
}

// Credential returns the credentials of an access key id the emulator issued.
func (a *AWS) Credential(accessKeyID string) (Credential, bool) {
	c, ok := a.lookupCred(accessKeyID)
	return Credential{Secret: c.secret, Token: c.token, Principal: c.principal}, ok
}

// Now is the emulator's clock.
func (a *AWS) Now() time.Time { return a.now() }

// RoleARN is the ARN of the role name in the emulated account.
func (a *AWS) RoleARN(name string) string { return a.roleARN(name) }

// IssueRoleSession mints credentials of kind for the session of roleARN
// lasting ttl, with session tags (nil for none) and their transitive keys.
func (a *AWS) IssueRoleSession(roleARN, session, kind string, ttl time.Duration, tags map[string]string, transitive []string) aws.Credentials {
	p := a.roleSession(roleARN, session, kind, ttl)
	p.Tags, p.TransitiveTagKeys = tags, transitive
	p, c := a.issue(p)
	return aws.Credentials{
		AccessKeyID: p.AccessKeyID, SecretAccessKey: c.secret, SessionToken: c.token,
		Source: "sandbox", CanExpire: true, Expires: p.Expiration,
	}
}

// ServeSTSAction answers STS action for a caller an extension authenticated
// (authErr nil) or refused: recorded like a built-in STS call, then run.
func (a *AWS) ServeSTSAction(w http.ResponseWriter, r *http.Request, action string, params url.Values, caller *Principal, authErr *AuthError) {
	if !a.stsBegin(w, r, action, params, caller, authErr) {
		return
	}
	op, ok := a.stsOps()[action]
	if !ok {
		stsWriteError(w, http.StatusBadRequest, "InvalidAction", "Could not find operation "+action)
		return
	}
	result, apiErr := op.run(r.Context(), params, caller)
	if apiErr != nil {
		stsWriteError(w, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	stsWriteResult(w, action, result)
}

// SessionTag is one requested session tag of AssumeRole.
type SessionTag struct{ Key, Value string }

// AssumeRoleRequest is the validated sts:AssumeRole request a RoleTrust
// judges.
type AssumeRoleRequest struct {
	RoleARN, Session string
	// ExternalID is ExternalId ("" when absent).
	ExternalID string
	// Contexts is the number of ProvidedContexts.
	Contexts int
	// Tags are the requested session tags in request order.
	Tags []SessionTag
	// TransitiveTagKeys are the requested TransitiveTagKeys.
	TransitiveTagKeys []string
}

// RoleTrust judges sts:AssumeRole into a role an extension added: it returns
// the new session's tags (nil when none) and transitive keys, or the error.
type RoleTrust func(req AssumeRoleRequest, caller *Principal) (map[string]string, []string, *APIError)

// RoleRegistry resolves the role ARNs an extension added.
type RoleRegistry func(roleARN string) (RoleTrust, bool)

// extensions are the registrations of extensions, under their own lock.
type extensions struct {
	mu      sync.Mutex
	targets map[string]awsTargetHandler
	routes  []extRoute
	roles   RoleRegistry
}

type extRoute struct {
	match func(*http.Request) bool
	h     http.HandlerFunc
}

// HandleRoute serves requests match accepts with h; routes are tried in
// registration order after the built-in endpoints, and unmatched requests
// get a plain 404.
func (a *AWS) HandleRoute(match func(*http.Request) bool, h http.HandlerFunc) {
	a.ext.mu.Lock()
	defer a.ext.mu.Unlock()
	a.ext.routes = append(a.ext.routes, extRoute{match: match, h: h})
}

// SetRoles makes sts:AssumeRole into the roles r knows follow their
// RoleTrust; the built-in TIP chain roles keep their own rules.
func (a *AWS) SetRoles(r RoleRegistry) {
	a.ext.mu.Lock()
	defer a.ext.mu.Unlock()
	a.ext.roles = r
}

func (a *AWS) serveRoutes(w http.ResponseWriter, r *http.Request) {
	a.ext.mu.Lock()
	routes := a.ext.routes
	a.ext.mu.Unlock()
	for _, rt := range routes {
		if rt.match(r) {
			rt.h(w, r)
			return
		}
	}
	http.Error(w, "not found", http.StatusNotFound)
}

// roleSpec resolves an extension's role.
func (a *AWS) roleSpec(arn string) (RoleTrust, bool) {
	a.ext.mu.Lock()
	roles := a.ext.roles
	a.ext.mu.Unlock()
	if roles == nil {
		return nil, false
	}
	return roles(arn)
}

// stsAssumeAddedRole is AssumeRole into an extension's role: its trust
// decides and names the session tags, the policies are checked as for
// every role.
func (a *AWS) stsAssumeAddedRole(req stsRequest, trust RoleTrust, caller *Principal) (any, *awsAPIError) {
	in := AssumeRoleRequest{RoleARN: req.roleARN, Session: req.session, ExternalID: req.externalID, Contexts: len(req.contexts), TransitiveTagKeys: req.transitive}
	for _, t := range req.tags {
		in.Tags = append(in.Tags, SessionTag{Key: t.key, Value: t.value})
	}
	tags, transitive, apiErr := trust(in, caller)
	if apiErr != nil {
		return nil, apiErr
	}
	packed, apiErr := req.checkPolicies()
	if apiErr != nil {
		return nil, apiErr
	}
	p := a.roleSession(req.roleARN, req.session, "role", req.duration)
	p.Tags, p.TransitiveTagKeys = tags, transitive
	p, c := a.issue(p)
	return stsAssumeRoleResult{Credentials: stsCredentials(p, c), AssumedRoleUser: stsAssumedRoleUser(p), PackedPolicySize: packed}, nil
}
