package server_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testbuf"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// fixture is the broker core wired to the sandbox scenario: real STS (with
// session tags), real JWKS over HTTP, and a registration store.
type fixture struct {
	sc     *brokeremu.BrokerScenario
	svc    *server.Service
	app    callerauth.Caller
	other  callerauth.Caller
	logs   *testbuf.Buffer
	tokens *jwtauth.Verifier
}

func newFixture(t *testing.T, store registry.Store) *fixture {
	t.Helper()
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{Key: testkey.RSA(t), OtherKey: testkey.Other(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sc.Close)
	t.Cleanup(func() { _ = store.Close() })
	creds := sc.BrokerCredentials(time.Hour)
	cfg := aws.Config{
		Region:           sc.AWS.Region(),
		Credentials:      credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken),
		RetryMaxAttempts: 1,
	}
	stsClient := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(sc.AWS.URL()) })
	logs := &testbuf.Buffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("broker log:\n%s", logs.String())
		}
	})
	// The sandbox's issuers listen on loopback: the lab policy.
	tokens := jwtauth.NewVerifier(jwtauth.Options{InsecureAllowPrivateNetworks: true})
	f := &fixture{
		sc: sc,
		svc: &server.Service{Store: store, Tokens: tokens, STS: stsClient, Log: slog.New(slog.NewJSONHandler(logs, nil)),
			AllowPrivateJWKS: true},
		app:    callerOf(t, sc.AppCredentials(time.Hour), sc),
		other:  callerOf(t, sc.OtherAppCredentials(time.Hour), sc),
		logs:   logs,
		tokens: tokens,
	}
	return f
}

// callerOf is the caller identity a transport would authenticate for creds.
func callerOf(t *testing.T, creds aws.Credentials, sc *brokeremu.BrokerScenario) callerauth.Caller {
	t.Helper()
	cfg := aws.Config{Region: sc.AWS.Region(), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)}
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(sc.AWS.URL()) }).
		GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := callerauth.CallerFromARN(aws.ToString(out.Arn))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) do(t *testing.T, caller callerauth.Caller, method, path string, query url.Values, body any) server.Response {
	t.Helper()
	var b []byte
	switch v := body.(type) {
	case nil:
	case string:
		b = []byte(v)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			t.Fatal(err)
		}
	}
	return f.svc.Handle(context.Background(), server.Request{Method: method, Path: path, Query: query, Body: b, Caller: caller, RequestID: "test"})
}

// registration is the scenario application's registration.
func (f *fixture) registration() registry.Application {
	return registry.Application{AccessRoleName: brokeremu.BrokerAccessRole, SessionTagKey: brokeremu.BrokerTagKey,
		JWTClaimName: brokeremu.BrokerTagKey, JWKSetURL: f.sc.App.JWKSURL()}
}

func (f *fixture) register(t *testing.T) {
	t.Helper()
	if r := f.do(t, f.app, "POST", "/applications", nil, f.registration()); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
}

func (f *fixture) credentials(t *testing.T, caller callerauth.Caller, token string) (server.Response, server.Credentials) {
	t.Helper()
	r := f.do(t, caller, "GET", "/credentials", url.Values{"jwt": {token}}, nil)
	var c server.Credentials
	if r.Status == 200 {
		if err := json.Unmarshal(r.Body, &c); err != nil {
			t.Fatal(err)
		}
	}
	return r, c
}

func errorCode(t *testing.T, r server.Response) string {
	t.Helper()
	var e struct{ Error, Message string }
	if err := json.Unmarshal(r.Body, &e); err != nil || e.Error == "" || e.Message == "" {
		t.Fatalf("error body %q is not {error, message}: %v", r.Body, err)
	}
	return e.Error
}

func awsCreds(c server.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}
