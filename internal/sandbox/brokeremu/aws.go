package brokeremu

import (
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// AWS is the AWS emulation (sandbox/awsemu) with the broker-side services
// plugged in: IAM roles added with AddRole (trust and permission policies),
// S3 objects stored with PutObject and read with GetObject/HeadObject, and
// presigned GetCallerIdentity. IAM and S3 state each have their own lock.
type AWS struct {
	*awsemu.AWS

	mu    sync.Mutex          // IAM: guards roles
	roles map[string]RoleSpec // by role ARN (AddRole), lazily made

	objMu   sync.Mutex          // S3: guards objects
	objects map[string]s3Object // by bucket + "/" + key (PutObject), lazily made
}

// NewAWS starts the AWS emulation with the broker-side services.
func NewAWS(opts awsemu.AWSOptions) (*AWS, error) {
	core, err := awsemu.NewAWS(opts)
	if err != nil {
		return nil, err
	}
	a := &AWS{AWS: core}
	core.SetRoles(a.roleTrust)
	core.HandleRoute(func(r *http.Request) bool {
		return r.URL.Path == "/" && r.Method == http.MethodGet && r.URL.Query().Has("Action")
	}, a.serveSTSPresigned)
	core.HandleRoute(func(r *http.Request) bool {
		return r.Method == http.MethodGet || r.Method == http.MethodHead
	}, a.serveS3Object)
	return a, nil
}

// roleTrust is the awsemu.RoleRegistry of the roles added with AddRole.
func (a *AWS) roleTrust(arn string) (awsemu.RoleTrust, bool) {
	spec, ok := a.roleSpec(arn)
	if !ok {
		return nil, false
	}
	return func(req awsemu.AssumeRoleRequest, caller *awsemu.Principal) (map[string]string, []string, *awsemu.APIError) {
		return a.stsAssumeAddedRole(req, spec, caller)
	}, true
}

// The rest of this file gives the broker-side code the names it had when it
// lived in one package with awsemu, so the moved files stayed as they were.

type (
	awsAuthError = awsemu.AuthError
	awsAPIError  = awsemu.APIError
)

const (
	awsAuthMissing   = awsemu.AuthMissing
	awsAuthUnknown   = awsemu.AuthUnknown
	awsAuthSignature = awsemu.AuthSignature
	awsAuthExpired   = awsemu.AuthExpired

	awsAlnumUpper  = awsemu.AlnumUpper
	awsAlnumLower  = awsemu.AlnumLower
	awsSecretSet   = awsemu.SecretChars
	stsVersion     = awsemu.STSVersion
	sigv4Algorithm = awsemu.SigV4Algorithm
	sigv4TimeFmt   = awsemu.SigV4TimeFormat
)

// awsProto names the wire protocols whose SigV4 errors the broker side writes.
type awsProto int

const (
	awsProtoRestJSON awsProto = iota // API Gateway
	awsProtoRestXML                  // S3
)

func awsAuthCode(proto awsProto, kind awsemu.AuthFailure) (int, string) {
	if proto == awsProtoRestXML {
		return awsemu.RESTXMLAuthCode(kind)
	}
	return awsemu.RESTJSONAuthCode(kind)
}

func sigv4Fail(kind awsemu.AuthFailure, format string, args ...any) *awsAuthError {
	return awsemu.NewAuthError(kind, format, args...)
}

func sigv4ParseAuthorization(h string) (struct{}, error) {
	return struct{}{}, awsemu.ParseSigV4Authorization(h)
}

func awsErr(status int, code, format string, args ...any) *awsAPIError {
	return awsemu.NewAPIError(status, code, format, args...)
}

func stsValidation(format string, args ...any) *awsAPIError {
	return awsErr(http.StatusBadRequest, "ValidationError", format, args...)
}

func stsWriteError(w http.ResponseWriter, status int, code, message string) {
	awsemu.WriteSTSError(w, status, code, message)
}

func awsRandom(set string, n int) string { return awsemu.Random(set, n) }
func awsRequestID() string               { return awsemu.RequestID() }
func awsRoleID(roleARN string) string    { return awsemu.RoleID(roleARN) }

// awsEqual compares secrets in constant time.
func awsEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

func awsReadBody(r *http.Request) ([]byte, error) { return awsemu.ReadBody(r) }

// sigv4Auth is the parsed SigV4 part of a presigned request.
type sigv4Auth struct {
	akid, date, region, service string
	signedHeaders               []string
	signature                   string
}

// awsCred is the secret part of issued credentials (awsemu.Credential).
type awsCred struct {
	secret, token string
	principal     awsemu.Principal
}

func (a *AWS) lookupCred(akid string) (awsCred, bool) {
	c, ok := a.Credential(akid)
	return awsCred{secret: c.Secret, token: c.Token, principal: c.Principal}, ok
}

// awsFailure is a queued FailNext error (awsemu.Failure).
type awsFailure struct {
	status        int
	code, message string
}

func (a *AWS) begin(op, target string, rec awsemu.Recorded) (awsFailure, bool) {
	f, failed := a.Begin(op, target, rec)
	return awsFailure{status: f.Status, code: f.Code, message: f.Message}, failed
}

func (a *AWS) verifySigV4(r *http.Request, body []byte, service string) (*awsemu.Principal, *awsAuthError) {
	return a.VerifySigV4(r, body, service)
}

func (a *AWS) now() time.Time             { return a.Now() }
func (a *AWS) roleARN(name string) string { return a.RoleARN(name) }
