package awsemu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	sigv4Algorithm = "AWS4-HMAC-SHA256"
	sigv4TimeFmt   = "20060102T150405Z"
)

// sigv4Auth is a parsed SigV4 Authorization header.
type sigv4Auth struct {
	akid, date, region, service string
	signedHeaders               []string
	signature                   string
}

// sigv4ParseAuthorization parses
// "AWS4-HMAC-SHA256 Credential=AK/date/region/service/aws4_request,
// SignedHeaders=a;b, Signature=hex".
func sigv4ParseAuthorization(h string) (sigv4Auth, error) {
	rest, ok := strings.CutPrefix(h, sigv4Algorithm+" ")
	if !ok {
		return sigv4Auth{}, errors.New("unsupported authorization type")
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || v == "" {
			return sigv4Auth{}, fmt.Errorf("malformed authorization component %q", k)
		}
		if _, dup := fields[k]; dup {
			return sigv4Auth{}, fmt.Errorf("duplicate authorization component %q", k)
		}
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] == "" || scope[4] != "aws4_request" {
		return sigv4Auth{}, errors.New("malformed credential scope")
	}
	if fields["SignedHeaders"] == "" || fields["Signature"] == "" {
		return sigv4Auth{}, errors.New("authorization header lacks SignedHeaders or Signature")
	}
	return sigv4Auth{
		akid: scope[0], date: scope[1], region: scope[2], service: scope[3],
		signedHeaders: strings.Split(fields["SignedHeaders"], ";"),
		signature:     fields["Signature"],
	}, nil
}

func sigv4Fail(kind awsAuthFailure, format string, args ...any) *awsAuthError {
	return &awsAuthError{kind: kind, message: fmt.Sprintf(format, args...)}
}

// verifySigV4 checks that r is signed for service (any service when empty)
// by unexpired credentials this emulator issued, and returns their principal.
func (a *AWS) verifySigV4(r *http.Request, body []byte, service string) (*Principal, *awsAuthError) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, sigv4Fail(awsAuthMissing, "Request is missing Authentication Token")
	}
	auth, err := sigv4ParseAuthorization(authz)
	if err != nil {
		return nil, sigv4Fail(awsAuthSignature, "%v", err)
	}
	cred, ok := a.lookupCred(auth.akid)
	if !ok || !awsEqual(r.Header.Get("X-Amz-Security-Token"), cred.token) {
		return nil, sigv4Fail(awsAuthUnknown, "The security token included in the request is invalid.")
	}
	if service == "" {
		service = auth.service
	}
	signTime, ferr := a.sigv4CheckScope(r, auth, service)
	if ferr != nil {
		return nil, ferr
	}
	payloadHash, ferr := sigv4PayloadHash(r, body)
	if ferr != nil {
		return nil, ferr
	}
	want, err := sigv4Compute(r, auth, cred, payloadHash, signTime)
	if err != nil {
		return nil, sigv4Fail(awsAuthSignature, "%v", err)
	}
	if !hmac.Equal([]byte(want), []byte(auth.signature)) {
		return nil, sigv4Fail(awsAuthSignature, "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.")
	}
	if !a.now().Before(cred.principal.Expiration) {
		return nil, sigv4Fail(awsAuthExpired, "The security token included in the request is expired")
	}
	p := cred.principal
	return &p, nil
}

// sigv4CheckScope checks the credential scope against X-Amz-Date, the
// region and the endpoint's signing name, and returns the signing time.
func (a *AWS) sigv4CheckScope(r *http.Request, auth sigv4Auth, service string) (time.Time, *awsAuthError) {
	t, err := time.Parse(sigv4TimeFmt, r.Header.Get("X-Amz-Date"))
	if err != nil {
		return time.Time{}, sigv4Fail(awsAuthSignature, "missing or malformed X-Amz-Date")
	}
	switch {
	case auth.date != t.Format("20060102"):
		return time.Time{}, sigv4Fail(awsAuthSignature, "Credential should be scoped to a valid date: '%s'", t.Format("20060102"))
	case auth.region != a.opts.Region:
		return time.Time{}, sigv4Fail(awsAuthSignature, "Credential should be scoped to a valid region: '%s'", a.opts.Region)
	case auth.service != service:
		return time.Time{}, sigv4Fail(awsAuthSignature, "Credential should be scoped to correct service: '%s'", service)
	}
	return t, nil
}

// sigv4PayloadHash returns X-Amz-Content-Sha256 (checked against the body)
// or the SHA-256 of the body.
func sigv4PayloadHash(r *http.Request, body []byte) (string, *awsAuthError) {
	sum := sha256.Sum256(body)
	actual := hex.EncodeToString(sum[:])
	h := r.Header.Get("X-Amz-Content-Sha256")
	switch {
	case h == "":
		return actual, nil
	case h == "UNSIGNED-PAYLOAD" || h == actual:
		return h, nil
	default:
		return "", sigv4Fail(awsAuthSignature, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	}
}

// sigv4Compute re-signs a copy of r holding only the signed headers and
// returns the expected signature.
func sigv4Compute(r *http.Request, auth sigv4Auth, cred awsCred, payloadHash string, t time.Time) (string, error) {
	req := &http.Request{
		Method: r.Method,
		URL: &url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path,
			RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery},
		Host:   r.Host,
		Header: http.Header{},
	}
	for _, name := range auth.signedHeaders {
		switch name {
		case "host", "x-amz-date", "x-amz-security-token":
			continue
		case "content-length":
			req.ContentLength = r.ContentLength
			continue
		}
		values := r.Header.Values(name)
		if len(values) == 0 {
			return "", fmt.Errorf("signed header %q is missing", name)
		}
		req.Header[textproto.CanonicalMIMEHeaderKey(name)] = values
	}
	creds := aws.Credentials{AccessKeyID: auth.akid, SecretAccessKey: cred.secret, SessionToken: cred.token}
	s3 := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = auth.service == "s3" }
	err := v4.NewSigner().SignHTTP(context.Background(), creds, req, payloadHash, auth.service, auth.region, t, s3)
	if err != nil {
		return "", fmt.Errorf("re-sign request: %w", err)
	}
	computed, err := sigv4ParseAuthorization(req.Header.Get("Authorization"))
	if err != nil {
		return "", fmt.Errorf("parse computed authorization: %w", err)
	}
	if strings.Join(computed.signedHeaders, ";") != strings.Join(auth.signedHeaders, ";") {
		return "", errors.New("signed headers do not match the request")
	}
	return computed.signature, nil
}
