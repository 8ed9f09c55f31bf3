package awsemu

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// awsFederation calls the federation endpoint without following redirects.
func awsFederation(t *testing.T, a *AWS, q url.Values) (int, map[string]string, http.Header) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(a.URL() + "/federation?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var body map[string]string
	_ = json.Unmarshal(b, &body)
	return resp.StatusCode, body, resp.Header
}

func awsSessionParam(t *testing.T, c aws.Credentials) string {
	t.Helper()
	b, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFederationGetSigninToken(t *testing.T) {
	t.Parallel()
	f := awsGrantFixture(t)
	ctx := context.Background()
	oidcCreds, enhanced := f.chain(t)
	plainOut, err := f.sts(oidcCreds).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(f.aws.PlainRoleARN()), RoleSessionName: aws.String("console")})
	if err != nil {
		t.Fatal(err)
	}
	plain := awsFromSTS(plainOut.Credentials)
	da, err := f.s3c(enhanced).GetDataAccess(ctx, &s3control.GetDataAccessInput{AccountId: aws.String("123456789012"), Target: aws.String("s3://data/*"), Permission: "READ"})
	if err != nil {
		t.Fatal(err)
	}
	s3ag := aws.Credentials{AccessKeyID: aws.ToString(da.Credentials.AccessKeyId), SecretAccessKey: aws.ToString(da.Credentials.SecretAccessKey), SessionToken: aws.ToString(da.Credentials.SessionToken)}
	if err := f.aws.SetContextProvider(f.aws.OIDCProviderARN(), tipContext()); err != nil {
		t.Fatal(err)
	}
	fedOut, err := f.federate(t, f.aws.FederationRoleARN(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	federated := awsFromSTS(fedOut.Credentials)
	tampered := plain
	tampered.SecretAccessKey = "x"

	tests := []struct {
		name     string
		session  string
		duration string
		refuse   bool
		status   int
		code     string
	}{
		{name: "plain role", session: awsSessionParam(t, plain), status: 200},
		{name: "id-enhanced", session: awsSessionParam(t, enhanced), status: 200},
		{name: "web identity with duration", session: awsSessionParam(t, oidcCreds), duration: "43200", status: 200},
		{name: "web identity bad duration", session: awsSessionParam(t, oidcCreds), duration: "899", status: 400, code: "InvalidSessionDuration"},
		{name: "federation role with duration", session: awsSessionParam(t, federated), duration: "43200", status: 200},
		{name: "refuse context: federation role with context", session: awsSessionParam(t, federated), refuse: true, status: 403, code: "IdentityContextNotSupported"},
		{name: "chained with duration", session: awsSessionParam(t, plain), duration: "3600", status: 400, code: "SessionDurationNotAllowed"},
		{name: "refuse context", session: awsSessionParam(t, enhanced), refuse: true, status: 403, code: "IdentityContextNotSupported"},
		{name: "refuse context keeps plain", session: awsSessionParam(t, plain), refuse: true, status: 200},
		{name: "grant credentials", session: awsSessionParam(t, s3ag), status: 403, code: "UnsupportedCredentials"},
		{name: "tampered secret", session: awsSessionParam(t, tampered), status: 403, code: "InvalidCredentials"},
		{name: "malformed session", session: "{", status: 400, code: "MalformedSession"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.aws.SetRefuseFederationForContext(tt.refuse)
			q := url.Values{"Action": {"getSigninToken"}, "Session": {tt.session}}
			if tt.duration != "" {
				q.Set("SessionDuration", tt.duration)
			}
			status, body, _ := awsFederation(t, f.aws, q)
			if status != tt.status || body["Code"] != tt.code {
				t.Fatalf("status %d code %q, want %d %q", status, body["Code"], tt.status, tt.code)
			}
			if tt.status == 200 && len(body["SigninToken"]) < 100 {
				t.Errorf("SigninToken = %q", body["SigninToken"])
			}
		})
	}
	f.aws.SetRefuseFederationForContext(false)
	f.clock.Advance(3601 * time.Second)
	status, body, _ := awsFederation(t, f.aws, url.Values{"Action": {"getSigninToken"}, "Session": {awsSessionParam(t, enhanced)}})
	if status != 403 || body["Code"] != "ExpiredCredentials" {
		t.Errorf("expired credentials: %d %v", status, body)
	}
}

func TestFederationLogin(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	oidcCreds := f.webIdentity(t)
	_, body, _ := awsFederation(t, f.aws, url.Values{"Action": {"getSigninToken"}, "Session": {awsSessionParam(t, oidcCreds)}})
	tok := body["SigninToken"]
	dest := "https://console.aws.amazon.com/s3/home?region=us-east-1"
	login := func(token, destination string) (int, map[string]string, http.Header) {
		return awsFederation(t, f.aws, url.Values{"Action": {"login"}, "Issuer": {"tip-cli"}, "Destination": {destination}, "SigninToken": {token}})
	}
	status, _, hdr := login(tok, dest)
	if status != http.StatusFound || hdr.Get("Location") != dest {
		t.Errorf("login: %d %q", status, hdr.Get("Location"))
	}
	if status, body, _ := login("forged", dest); status != 400 || body["Code"] != "InvalidSigninToken" {
		t.Errorf("forged token: %d %v", status, body)
	}
	if status, body, _ := login(tok, "javascript:alert(1)"); status != 400 || body["Code"] != "InvalidDestination" {
		t.Errorf("bad destination: %d %v", status, body)
	}
	if status, body, _ := awsFederation(t, f.aws, url.Values{"Action": {"nope"}}); status != 400 || body["Code"] != "InvalidAction" {
		t.Errorf("unknown action: %d %v", status, body)
	}
	f.aws.FailNext("login", http.StatusServiceUnavailable, "ServiceUnavailable", "down")
	if status, body, _ := login(tok, dest); status != 503 || body["Code"] != "ServiceUnavailable" {
		t.Errorf("FailNext login: %d %v", status, body)
	}
	f.clock.Advance(15 * time.Minute)
	if status, body, _ := login(tok, dest); status != 400 || body["Code"] != "ExpiredSigninToken" {
		t.Errorf("old token: %d %v", status, body)
	}
	if c := f.aws.Counts(); c["getSigninToken"] != 1 || c["login"] != 5 {
		t.Errorf("counts = %v", c)
	}
}
