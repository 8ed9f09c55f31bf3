package configure

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn"
	"github.com/tip-cli/tip-cli/internal/cmdutil"
)

func (w *world) cfn(issuer string, thumbprints ...string) *CFNOptions {
	return &CFNOptions{IO: w.ios, Format: "yaml", HTTPClient: func() *http.Client { return nil },
		Opts: cfn.Options{IssuerURL: issuer, Audiences: []string{"0oa1"}, Mode: cfn.ModeIdentityCenter, Thumbprints: thumbprints}}
}

// TestGenerateCFNTemplate: the template on stdout in the format asked
// for, and a template cfn refuses (an unknown service) as a usage error
// with nothing on stdout.
func TestGenerateCFNTemplate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tp := strings.Repeat("ab", 20)
	opts := w.cfn("https://idp.example.com/oauth2/default", tp)
	opts.Format = "json"
	if err := cfnRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"AWS::IAM::OIDCProvider"`, `"sts:SetContext"`, `"idp.example.com/oauth2/default:aud"`, tp} {
		if !strings.Contains(w.out.String(), want) {
			t.Errorf("template lacks %s", want)
		}
	}
	if !strings.HasPrefix(w.out.String(), "{") || w.errOut.Len() != 0 {
		t.Errorf("not JSON, or stderr %q", w.errOut)
	}
	w.reset()
	if err := cfnRun(context.Background(), w.cfn("https://idp.example.com/oauth2/default", tp)); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(w.out.String(), "AWSTemplateFormatVersion:") {
		t.Errorf("yaml: %.80s", w.out)
	}

	w.reset()
	bad := w.cfn("https://idp.example.com/oauth2/default", tp)
	bad.Opts.Services = []string{"ec2"}
	var fe *cmdutil.FlagError
	if err := cfnRun(context.Background(), bad); !errors.As(err, &fe) || w.out.Len() != 0 {
		t.Errorf("unknown service: %v, stdout %q", err, w.out)
	}
}

// TestGenerateCFNTemplateFederation: the iam-federation template on
// stdout, the call that adds the context provider (which CloudFormation
// cannot set) on stderr only; qbusiness refused.
func TestGenerateCFNTemplateFederation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	opts := w.cfn("https://idp.example.com/oauth2/default", strings.Repeat("ab", 20))
	opts.Opts.Mode, opts.Opts.SubjectClaim, opts.Opts.SubjectType = cfn.ModeIAMFederation, "sub", cfn.SubjectTypeUser
	if err := cfnRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"AWS::IAM::OIDCProvider", "FederationRole", "MaxSessionDuration: 43200", `"idp.example.com/oauth2/default:aud"`} {
		if !strings.Contains(w.out.String(), want) {
			t.Errorf("template lacks %s", want)
		}
	}
	want := "CloudFormation cannot set the IAM OIDC provider's context provider. After deploying, enable\n" +
		"trusted identity propagation on it (AWS CLI v2 with UpdateOpenIDConnectProvider), one call at a time:\n" +
		`  aws iam update-open-id-connect-provider --open-id-connect-provider-arn "arn:aws:iam::$(aws sts get-caller-identity --query Account --output text):oidc-provider/idp.example.com/oauth2/default" --context-provider '{"SubjectSourceKey":"sub","SubjectTypeValue":"user"}'` + "\n"
	if w.errOut.String() != want || strings.Contains(w.out.String(), "update-open-id-connect-provider") {
		t.Errorf("stderr:\n%s\nwant:\n%s", w.errOut, want)
	}

	w.reset()
	opts.Opts.Services = []string{"qbusiness"}
	if err := cfnRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "identity-center") || w.out.Len() != 0 {
		t.Errorf("qbusiness in iam-federation: %v, stdout %q", err, w.out)
	}
}

// TestGenerateCFNThumbprintDiscovery: without THUMBPRINT the command asks
// the issuer (over real TLS) for its jwks_uri, takes the thumbprint of the
// certificate that host presents, names it on stderr and puts it in the
// template; an issuer it cannot reach fails with nothing on stdout.
func TestGenerateCFNThumbprintDiscovery(t *testing.T) {
	t.Parallel()
	var srv *httptest.Server
	srv = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(rw, r)
			return
		}
		fmt.Fprintf(rw, `{"issuer":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/keys")
	}))
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate())
	sum := sha1.Sum(srv.Certificate().Raw)
	tp := hex.EncodeToString(sum[:])

	w := newWorld(t)
	opts := w.cfn(srv.URL)
	opts.Thumbprinter = &cfn.Thumbprinter{HTTPClient: srv.Client(), RootCAs: roots}
	if err := cfnRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(srv.URL, "https://")
	c := srv.Certificate()
	want := fmt.Sprintf("Thumbprint %s from the leaf certificate (the server sent no CA certificate) of %s: %s (issued by %s)\n", tp, host, c.Subject, c.Issuer)
	if w.errOut.String() != want {
		t.Errorf("stderr %q, want %q", w.errOut, want)
	}
	if !strings.Contains(w.out.String(), "- "+tp+"\n") {
		t.Errorf("template lacks the thumbprint %s", tp)
	}

	w.reset()
	down := httptest.NewTLSServer(http.NotFoundHandler())
	down.Close()
	gone := w.cfn(down.URL)
	gone.HTTPClient = func() *http.Client { return &http.Client{} }
	err := cfnRun(context.Background(), gone)
	if err == nil || !strings.HasPrefix(err.Error(), "discover the OIDC thumbprint (or pass THUMBPRINT): ") || w.out.Len() != 0 {
		t.Errorf("unreachable issuer: %v, stdout %q", err, w.out)
	}
}
