package brokeremu

import (
	"context"
	"crypto/hmac"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

const (
	// stsPresignMaxExpires is the largest X-Amz-Expires SigV4 accepts (7 days).
	stsPresignMaxExpires = 604800
	// stsPresignSkew is how far in the future X-Amz-Date may be.
	stsPresignSkew = 15 * time.Minute
	// sigv4EmptySHA256 is the SHA-256 of an empty payload.
	sigv4EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// stsPresigned is the SigV4 part of a presigned (query-string) request.
type stsPresigned struct {
	auth    sigv4Auth
	when    time.Time
	expires time.Duration
}

// serveSTSPresigned handles GET /?Action=GetCallerIdentity&…&X-Amz-Signature=…,
// the query-string SigV4 form that aws-iam-authenticator and Vault's AWS
// auth hand to a third party. Only GetCallerIdentity is accepted via GET.
func (a *AWS) serveSTSPresigned(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	action, version := q.Get("Action"), q.Get("Version")
	if action != "GetCallerIdentity" || version != stsVersion {
		stsWriteError(w, http.StatusBadRequest, "InvalidAction",
			"Could not find operation "+action+" for version "+version+" via a presigned GET request")
		return
	}
	caller, authErr := a.verifyPresigned(r, q)
	a.ServeSTSAction(w, r, action, q, caller, authErr)
}

// verifyPresigned checks a query-string SigV4 signature like STS does and
// returns the principal of the (emulator-issued, unexpired) credentials.
func (a *AWS) verifyPresigned(r *http.Request, q url.Values) (*awsemu.Principal, *awsAuthError) {
	if !q.Has("X-Amz-Signature") && !q.Has("X-Amz-Credential") {
		return nil, sigv4Fail(awsAuthMissing, "Request is missing Authentication Token")
	}
	ps, ferr := stsParsePresigned(q)
	if ferr != nil {
		return nil, ferr
	}
	cred, ok := a.lookupCred(ps.auth.akid)
	if !ok || !awsEqual(q.Get("X-Amz-Security-Token"), cred.token) {
		return nil, sigv4Fail(awsAuthUnknown, "The security token included in the request is invalid.")
	}
	if ferr := a.presignCheckScope(ps); ferr != nil {
		return nil, ferr
	}
	want, err := presignCompute(r, q, ps, cred)
	if err != nil {
		return nil, sigv4Fail(awsAuthSignature, "%v", err)
	}
	if !hmac.Equal([]byte(want), []byte(ps.auth.signature)) {
		return nil, sigv4Fail(awsAuthSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	if !a.now().Before(cred.principal.Expiration) {
		return nil, sigv4Fail(awsAuthExpired, "The security token included in the request is expired")
	}
	p := cred.principal
	return &p, nil
}

// stsParsePresigned reads the X-Amz-* query parameters of a presigned request.
func stsParsePresigned(q url.Values) (stsPresigned, *awsAuthError) {
	for k, v := range q {
		if strings.HasPrefix(k, "X-Amz-") && len(v) != 1 {
			return stsPresigned{}, sigv4Fail(awsAuthSignature, "duplicate query parameter %s", k)
		}
	}
	if q.Get("X-Amz-Algorithm") != sigv4Algorithm {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "X-Amz-Algorithm only supports %s", sigv4Algorithm)
	}
	scope := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "malformed credential scope")
	}
	signed := q.Get("X-Amz-SignedHeaders")
	if signed == "" || q.Get("X-Amz-Signature") == "" {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "query lacks X-Amz-SignedHeaders or X-Amz-Signature")
	}
	when, err := time.Parse(sigv4TimeFmt, q.Get("X-Amz-Date"))
	if err != nil {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "missing or malformed X-Amz-Date")
	}
	exp, err := strconv.Atoi(q.Get("X-Amz-Expires"))
	if err != nil || exp < 1 || exp > stsPresignMaxExpires {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "X-Amz-Expires must be an integer between 1 and %d", stsPresignMaxExpires)
	}
	auth := sigv4Auth{
		akid: scope[0], date: scope[1], region: scope[2], service: scope[3],
		signedHeaders: strings.Split(signed, ";"),
		signature:     q.Get("X-Amz-Signature"),
	}
	if !slices.Contains(auth.signedHeaders, "host") {
		return stsPresigned{}, sigv4Fail(awsAuthSignature, "X-Amz-SignedHeaders must include host")
	}
	return stsPresigned{auth: auth, when: when, expires: time.Duration(exp) * time.Second}, nil
}

// presignCheckScope checks the credential scope and the validity period.
func (a *AWS) presignCheckScope(ps stsPresigned) *awsAuthError {
	now := a.now()
	switch {
	case ps.auth.date != ps.when.Format("20060102"):
		return sigv4Fail(awsAuthSignature, "Credential should be scoped to a valid date: '%s'", ps.when.Format("20060102"))
	case ps.auth.region != a.Region():
		return sigv4Fail(awsAuthSignature, "Credential should be scoped to a valid region: '%s'", a.Region())
	case ps.auth.service != "sts":
		return sigv4Fail(awsAuthSignature, "Credential should be scoped to correct service: 'sts'")
	case now.After(ps.when.Add(ps.expires)):
		return sigv4Fail(awsAuthSignature, "Signature expired: %s is now earlier than %s (%s + %d sec.)",
			ps.when.Add(ps.expires).Format(sigv4TimeFmt), now.UTC().Format(sigv4TimeFmt),
			ps.when.Format(sigv4TimeFmt), int(ps.expires/time.Second))
	case ps.when.After(now.Add(stsPresignSkew)):
		return sigv4Fail(awsAuthSignature, "Signature not yet current: %s is still later than %s (%s + 15 min.)",
			ps.when.Format(sigv4TimeFmt), now.Add(stsPresignSkew).UTC().Format(sigv4TimeFmt), now.UTC().Format(sigv4TimeFmt))
	}
	return nil
}

// presignCompute re-presigns a copy of r (query without X-Amz-Signature,
// only the signed headers) and returns the expected signature.
func presignCompute(r *http.Request, q url.Values, ps stsPresigned, cred awsCred) (string, error) {
	rest := url.Values{}
	for k, v := range q {
		if k != "X-Amz-Signature" {
			rest[k] = v
		}
	}
	req := &http.Request{
		Method: r.Method,
		URL: &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path,
			RawPath: r.URL.RawPath, RawQuery: rest.Encode()},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range ps.auth.signedHeaders {
		if name == "host" {
			continue
		}
		values := r.Header.Values(name)
		if len(values) == 0 {
			return "", fmt.Errorf("signed header %q is missing", name)
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(name)] = values
	}
	creds := aws.Credentials{AccessKeyID: ps.auth.akid, SecretAccessKey: cred.secret, SessionToken: cred.token}
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, sigv4EmptySHA256, "sts", ps.auth.region, ps.when)
	if err != nil {
		return "", fmt.Errorf("re-sign presigned request: %w", err)
	}
	u, err := url.Parse(signed)
	if err != nil {
		return "", fmt.Errorf("parse re-signed url: %w", err)
	}
	computed := u.Query()
	if computed.Get("X-Amz-SignedHeaders") != q.Get("X-Amz-SignedHeaders") {
		return "", errors.New("signed headers do not match the request")
	}
	return computed.Get("X-Amz-Signature"), nil
}
