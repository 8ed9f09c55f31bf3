package awsemu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	isdoc "github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	istypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// tamperSecret returns c with a different secret key, always: the secret
// is random, so overwriting a character with a fixed one would leave it
// unchanged whenever it already was that one (1 run in 64).
func tamperSecret(c aws.Credentials) aws.Credentials {
	repl := "x"
	if strings.HasPrefix(c.SecretAccessKey, repl) {
		repl = "y"
	}
	c.SecretAccessKey = repl + c.SecretAccessKey[1:]
	return c
}

// TestTamperSecretChanges: the tamper of TestSigV4Failures changes every
// secret, including one that starts with the replacement character.
func TestTamperSecretChanges(t *testing.T) {
	t.Parallel()
	for _, secret := range []string{"xSecret", "ySecret", "aSecret", "x", "y"} {
		if got := tamperSecret(aws.Credentials{SecretAccessKey: secret}).SecretAccessKey; got == secret {
			t.Errorf("tamperSecret(%q) left it unchanged", secret)
		}
	}
}

func TestSigV4Failures(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	ctx := context.Background()
	oidcCreds, enhanced := f.chain(t)
	tamper := tamperSecret
	unknown := func(c aws.Credentials) aws.Credentials { c.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"; return c }
	badToken := func(c aws.Credentials) aws.Credentials { c.SessionToken += "x"; return c }
	noToken := func(c aws.Credentials) aws.Credentials { c.SessionToken = ""; return c }
	callSTS := func(c aws.Credentials) error {
		_, err := f.sts(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	}
	callOIDC := func(c aws.Credentials) error {
		_, err := f.oidc(c).CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{ClientId: aws.String(f.aws.ApplicationARN()),
			GrantType: aws.String(oidcsvcJWTBearer), Assertion: aws.String(f.mint(t, nil))})
		return err
	}
	callS3C := func(c aws.Credentials) error {
		_, err := f.s3c(c).GetDataAccess(ctx, &s3control.GetDataAccessInput{AccountId: aws.String("123456789012"),
			Target: aws.String("s3://b/*"), Permission: s3ctypes.PermissionRead})
		return err
	}
	tests := []struct {
		name string
		call func(aws.Credentials) error
		cred aws.Credentials
		want string
	}{
		{"sts tampered secret", callSTS, tamper(oidcCreds), "SignatureDoesNotMatch"},
		{"sts unknown key", callSTS, unknown(oidcCreds), "InvalidClientTokenId"},
		{"sts wrong session token", callSTS, badToken(oidcCreds), "InvalidClientTokenId"},
		{"sts missing session token", callSTS, noToken(oidcCreds), "InvalidClientTokenId"},
		{"oidc tampered secret", callOIDC, tamper(oidcCreds), "InvalidSignatureException"},
		{"oidc unknown key", callOIDC, unknown(oidcCreds), "UnrecognizedClientException"},
		{"s3control tampered secret", callS3C, tamper(enhanced), "SignatureDoesNotMatch"},
		{"s3control unknown key", callS3C, unknown(enhanced), "InvalidAccessKeyId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := awsCode(tt.call(tt.cred)); got != tt.want {
				t.Errorf("error code = %q, want %q", got, tt.want)
			}
		})
	}

	t.Run("anonymous", func(t *testing.T) {
		c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: aws.AnonymousCredentials{}, RetryMaxAttempts: 1})
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); awsCode(err) != "MissingAuthenticationToken" {
			t.Errorf("error = %v, want MissingAuthenticationToken", err)
		}
	})
	t.Run("wrong region", func(t *testing.T) {
		c := sts.New(sts.Options{Region: "eu-west-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(oidcCreds), RetryMaxAttempts: 1})
		if _, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); awsCode(err) != "SignatureDoesNotMatch" {
			t.Errorf("error = %v, want SignatureDoesNotMatch", err)
		}
	})
	t.Run("expired", func(t *testing.T) {
		f.clock.Advance(3601 * time.Second) // both sessions have expired
		for name, call := range map[string]func() (string, error){
			"sts":       func() (string, error) { return "ExpiredToken", callSTS(oidcCreds) },
			"oidc":      func() (string, error) { return "ExpiredTokenException", callOIDC(oidcCreds) },
			"s3control": func() (string, error) { return "ExpiredToken", callS3C(enhanced) },
		} {
			if want, err := call(); awsCode(err) != want {
				t.Errorf("%s: error = %v, want %s", name, err, want)
			}
		}
	})
}

// awsRawSigned sends a request signed by the SDK signer for service.
func awsRawSigned(t *testing.T, c aws.Credentials, method, url, body, service string, hdr map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, req, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

func TestSigV4ServiceScopeAndBody(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	oidcCreds := f.webIdentity(t)
	form := "Action=GetCallerIdentity&Version=2011-06-15"
	formHdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}

	status, body, _ := awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/", form, "sts", formHdr)
	if status != 200 || !strings.Contains(body, "<GetCallerIdentityResult>") {
		t.Fatalf("raw signed GetCallerIdentity: %d %s", status, body)
	}
	status, body, _ = awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/", form, "sso-oauth", formHdr)
	if status != 403 || !strings.Contains(body, "<Code>SignatureDoesNotMatch</Code>") || !strings.Contains(body, "correct service") {
		t.Errorf("sts signed as sso-oauth: %d %s", status, body)
	}
	status, _, hdr := awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/token?aws_iam=t", `{}`, "sts", map[string]string{"Content-Type": "application/json"})
	if status != 403 || hdr.Get("X-Amzn-ErrorType") != "InvalidSignatureException" {
		t.Errorf("token signed as sts: %d %s", status, hdr.Get("X-Amzn-ErrorType"))
	}
	status, body, _ = awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/", "Action=Nope&Version=2011-06-15", "sts", formHdr)
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("unknown action: %d %s", status, body)
	}
	status, body, _ = awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/", "Action=GetCallerIdentity&Version=2010-01-01", "sts", formHdr)
	if status != 400 || !strings.Contains(body, "<Code>InvalidAction</Code>") {
		t.Errorf("wrong version: %d %s", status, body)
	}
	// A body changed after signing breaks the signature.
	req, _ := http.NewRequest("POST", f.aws.URL()+"/", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	sum := sha256.Sum256([]byte(form))
	_ = v4.NewSigner().SignHTTP(context.Background(), oidcCreds, req, hex.EncodeToString(sum[:]), "sts", "us-east-1", time.Now())
	req.Body = io.NopCloser(strings.NewReader(strings.Replace(form, "2011", "2012", 1)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("tampered body status = %d, want 403", resp.StatusCode)
	}
	big := strings.Repeat("a", awsMaxBody+1)
	if status, _, _ := awsRawSigned(t, oidcCreds, "POST", f.aws.URL()+"/", big, "sts", formHdr); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body status = %d", status)
	}
}

func TestAWSHandleTarget(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	_, enhanced := f.chain(t)
	f.aws.HandleTarget("AWSIdentityStore.GetUserId", func(w http.ResponseWriter, _ *http.Request, caller *Principal, body []byte) {
		var in struct{ IdentityStoreId string }
		_ = json.Unmarshal(body, &in)
		if in.IdentityStoreId != f.aws.IdentityStoreID() {
			f.aws.WriteJSONError(w, http.StatusBadRequest, "ResourceNotFoundException", "no such identity store")
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]string{"IdentityStoreId": in.IdentityStoreId, "UserId": caller.UserID})
	})
	c := identitystore.New(identitystore.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(enhanced), RetryMaxAttempts: 1})
	in := func(store string) *identitystore.GetUserIdInput {
		return &identitystore.GetUserIdInput{IdentityStoreId: aws.String(store), AlternateIdentifier: &istypes.AlternateIdentifierMemberUniqueAttribute{
			Value: istypes.UniqueAttribute{AttributePath: aws.String("emails.value"), AttributeValue: isdoc.NewLazyDocument("alice@example.com")}}}
	}
	out, err := c.GetUserId(context.Background(), in("d-1234567890"))
	if err != nil {
		t.Fatalf("GetUserId: %v", err)
	}
	if aws.ToString(out.UserId) != f.aws.UserID("alice@example.com") {
		t.Errorf("UserId = %s", aws.ToString(out.UserId))
	}
	if _, err := c.GetUserId(context.Background(), in("d-0000000000")); awsCode(err) != "ResourceNotFoundException" {
		t.Errorf("error = %v, want ResourceNotFoundException", err)
	}
	f.aws.FailNext("AWSIdentityStore.GetUserId", http.StatusBadRequest, "ThrottlingException", "slow down")
	if _, err := c.GetUserId(context.Background(), in("d-1234567890")); awsCode(err) != "ThrottlingException" {
		t.Errorf("error = %v, want ThrottlingException", err)
	}
	bad := enhanced
	bad.SecretAccessKey = "wrong"
	c2 := identitystore.New(identitystore.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(bad), RetryMaxAttempts: 1})
	if _, err := c2.GetUserId(context.Background(), in("d-1234567890")); awsCode(err) != "InvalidSignatureException" {
		t.Errorf("error = %v, want InvalidSignatureException", err)
	}
	if got := f.aws.Counts()["GetUserId"]; got != 4 {
		t.Errorf("GetUserId count = %d, want 4", got)
	}
	if rec := f.aws.Requests("GetUserId")[0]; rec.JSON["IdentityStoreId"] != "d-1234567890" {
		t.Errorf("recorded JSON = %v", rec.JSON)
	}
}

func FuzzSigV4ParseAuthorization(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=ASIAX/20300102/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd")
	f.Add("AWS4-HMAC-SHA256 Credential=/a/b/c/aws4_request,SignedHeaders=,Signature=")
	f.Add("Bearer x")
	f.Fuzz(func(t *testing.T, h string) {
		a, err := sigv4ParseAuthorization(h)
		if err != nil {
			return
		}
		if a.akid == "" || a.signature == "" || len(a.signedHeaders) == 0 {
			t.Errorf("accepted incomplete header %q: %+v", h, a)
		}
	})
}
