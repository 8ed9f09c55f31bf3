package callerauth

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestBindingCoversTheRequest is the GET→POST replay of issue 13: a header
// captured from one request is refused, by STS's signature check, for any
// other method, path, query or body, also on a second instance (whose
// replay cache has never seen it). The request it was made for still
// passes there once: replay caches are per instance.
func TestBindingCoversTheRequest(t *testing.T) {
	f := newFixture(t)
	captured := Binding{Method: "GET", Path: "/applications"}
	h, err := PresignCallerIdentity(context.Background(), static(f.creds), f.aws.URL(), "us-east-1", brokerA, captured, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	first := f.verifier(t, brokerA, nil)
	if _, err := first.Authenticate(context.Background(), h, captured); err != nil {
		t.Fatalf("genuine request: %v", err)
	}
	evil := `{"AccessRoleName":"tenant-access","SessionTagKey":"TenantID","JWTClaimName":"TenantID","JWKSetURL":"https://evil.example/jwks"}`
	for name, bind := range map[string]Binding{
		"method": {Method: "POST", Path: "/applications"},
		"body":   {Method: "POST", Path: "/applications", Body: []byte(evil)},
		"delete": {Method: "DELETE", Path: "/applications"},
		"path":   {Method: "GET", Path: "/credentials"},
		"query":  {Method: "GET", Path: "/applications", RawQuery: "jwt=x"},
	} {
		second := f.verifier(t, brokerA, nil)
		_, err := second.Authenticate(context.Background(), h, bind)
		if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Errorf("%s: replay on a second instance = %v, want STS to refuse the signature", name, err)
		}
	}
	if _, err := f.verifier(t, brokerA, nil).Authenticate(context.Background(), h, captured); err != nil {
		t.Fatalf("the captured request itself on another instance: %v", err)
	}
}

// TestBindingHeadersRequired: a presign that does not sign the binding
// headers is refused locally, before any STS call.
func TestBindingHeadersRequired(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, nil)
	for _, drop := range []string{headerMethod, headerPath, headerQuerySHA256, headerBodySHA256} {
		h := presignRaw(t, f.creds, f.aws.URL(), "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60",
			map[string]string{headerBrokerID: brokerA, headerNonce: testNonce, drop: ""}, f.clock.Now())
		_, err := v.Authenticate(context.Background(), h, testBind)
		if !errors.Is(err, ErrUnauthenticated) || !strings.Contains(err.Error(), strings.ToLower(drop)) {
			t.Errorf("without %s: %v", drop, err)
		}
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 0 {
		t.Fatalf("STS calls = %d, want 0", n)
	}
}

func TestAllowList(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name   string
		mutate func(*VerifierOptions)
		want   error
	}{
		{"own account", func(o *VerifierOptions) { o.AllowedAccounts = []string{testAccount} }, nil},
		{"other account", func(o *VerifierOptions) { o.AllowedAccounts = []string{"444455556666"} }, ErrNotAllowed},
		{"listed role", func(o *VerifierOptions) { o.AllowedRoles = []string{"arn:aws:iam::" + testAccount + ":role/App"} }, nil},
		{"unlisted role", func(o *VerifierOptions) { o.AllowedRoles = []string{"arn:aws:iam::" + testAccount + ":role/Other"} }, ErrNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := f.verifier(t, brokerA, tt.mutate)
			_, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestReplayCacheFullIsBusy: with the cache full of verified signatures a
// new caller gets ErrBusy (503), and no STS call is made for it.
func TestReplayCacheFullIsBusy(t *testing.T) {
	f := newFixture(t)
	v := f.verifier(t, brokerA, func(o *VerifierOptions) { o.ReplayCacheSize = 2 })
	for range 2 {
		if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := v.Authenticate(context.Background(), f.presign(t, brokerA, f.clock.Now()), testBind); !errors.Is(err, ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy", err)
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 2 {
		t.Fatalf("STS calls = %d, want 2", n)
	}
}
