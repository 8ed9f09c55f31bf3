package server_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// storeOpeners are the stores every service test runs against; the moto
// test adds DynamoDB.
func storeOpeners() map[string]func(t *testing.T) registry.Store {
	return map[string]func(t *testing.T) registry.Store{
		"memory": func(*testing.T) registry.Store { return registry.NewMemory() },
		"bolt": func(t *testing.T) registry.Store {
			s, err := registry.OpenBolt(filepath.Join(t.TempDir(), "reg.db"))
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

func TestService(t *testing.T) {
	for name, open := range storeOpeners() {
		t.Run(name, func(t *testing.T) { runServiceSuite(t, open) })
	}
}

// runServiceSuite is the behaviour every registration store must give.
func runServiceSuite(t *testing.T, open func(t *testing.T) registry.Store) {
	t.Run("RegisterDescribeDeregister", func(t *testing.T) { testRegistration(t, newFixture(t, open(t))) })
	t.Run("TenantIsolation", func(t *testing.T) { testTenantIsolation(t, newFixture(t, open(t))) })
	t.Run("RefusedTokens", func(t *testing.T) { testRefusedTokens(t, newFixture(t, open(t))) })
	t.Run("NotRegistered", func(t *testing.T) {
		f := newFixture(t, open(t))
		tok, _ := f.sc.TenantToken("alice", "Yellow")
		if r, _ := f.credentials(t, f.app, tok); r.Status != 404 || errorCode(t, r) != "NotRegistered" {
			t.Fatalf("got %d %s", r.Status, r.Body)
		}
	})
}

func testRegistration(t *testing.T, f *fixture) {
	if r := f.do(t, f.app, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("describe before register: %d %s", r.Status, r.Body)
	}
	f.register(t)
	r := f.do(t, f.app, "GET", "/applications", nil, nil)
	var got registry.Application
	if err := json.Unmarshal(r.Body, &got); err != nil || r.Status != 200 {
		t.Fatalf("describe: %d %s %v", r.Status, r.Body, err)
	}
	want := f.registration()
	if got.RoleARN != f.app.RoleARN || got.AccessRoleName != want.AccessRoleName || got.JWKSetURL != want.JWKSetURL ||
		got.SessionTagKey != want.SessionTagKey || got.JWTClaimName != want.JWTClaimName || got.CreatedAt.IsZero() {
		t.Fatalf("describe = %+v", got)
	}
	if r := f.do(t, f.other, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("another caller sees the registration: %d", r.Status)
	}
	if r := f.do(t, f.app, "POST", "/applications", nil, f.registration()); r.Status != 200 {
		t.Fatalf("re-register: %d, want 200 (replaced)", r.Status)
	}
	if r := f.do(t, f.app, "DELETE", "/applications", nil, nil); r.Status != 204 {
		t.Fatalf("deregister: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, f.app, "DELETE", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("second deregister: %d", r.Status)
	}
}

// testTenantIsolation is the original sample's scenario: the Yellow user's
// credentials read the Yellow prefix only, and the session tag is exactly
// the verified claim.
func testTenantIsolation(t *testing.T, f *fixture) {
	f.register(t)
	ctx := context.Background()
	for _, tc := range []struct{ tenant, other string }{{"Yellow", "Blue"}, {"Blue", "Yellow"}} {
		tok, err := f.sc.TenantToken("user-of-"+tc.tenant, tc.tenant)
		if err != nil {
			t.Fatal(err)
		}
		r, creds := f.credentials(t, f.app, tok)
		if r.Status != 200 || creds.SessionToken == "" {
			t.Fatalf("%s: %d %s", tc.tenant, r.Status, r.Body)
		}
		if tags := f.sc.AWS.SessionTags(creds.AccessKeyID); len(tags) != 1 || tags[brokeremu.BrokerTagKey] != tc.tenant {
			t.Fatalf("%s: session tags %v", tc.tenant, tags)
		}
		if status, body, err := f.sc.ReadObject(ctx, awsCreds(creds), tc.tenant+"/report.csv"); err != nil || status != 200 || !strings.Contains(string(body), tc.tenant) {
			t.Fatalf("%s reading its prefix: %d %s %v", tc.tenant, status, body, err)
		}
		if status, _, err := f.sc.ReadObject(ctx, awsCreds(creds), tc.other+"/report.csv"); err != nil || status != 403 {
			t.Fatalf("%s reading %s's prefix: %d %v, want 403", tc.tenant, tc.other, status, err)
		}
	}
	// A numeric claim becomes its exact text.
	tok, _ := f.sc.App.Mint(map[string]any{"sub": "n", brokeremu.BrokerTagKey: json.Number("12345678901234567890")})
	if r, creds := f.credentials(t, f.app, tok); r.Status != 200 || f.sc.AWS.SessionTags(creds.AccessKeyID)[brokeremu.BrokerTagKey] != "12345678901234567890" {
		t.Fatalf("numeric claim: %d %s", r.Status, r.Body)
	}
	rec := f.sc.AWS.Requests("AssumeRole")
	last := rec[len(rec)-1].Params
	if last.Get("RoleArn") != "arn:aws:iam::123456789012:role/"+brokeremu.BrokerAccessRole || last.Get("Tags.member.1.Key") != brokeremu.BrokerTagKey {
		t.Fatalf("AssumeRole params %v", last)
	}
	logs := f.logs.String()
	if !strings.Contains(logs, `"path":"/credentials"`) || strings.Contains(logs, "eyJ") || strings.Contains(logs, "SecretAccessKey") {
		t.Fatalf("access log missing a line or leaking a token:\n%s", logs)
	}
}

func testRefusedTokens(t *testing.T, f *fixture) {
	f.register(t)
	otherKey := testkey.Other(t) // the other application's key, not the App's
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	claims := func(extra map[string]any) map[string]any {
		c := map[string]any{"sub": "mallory", brokeremu.BrokerTagKey: "Yellow"}
		for k, v := range extra {
			c[k] = v
		}
		return c
	}
	mint := func(tok string, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	now := time.Now()
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." +
		base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"m","TenantID":"Yellow","exp":`+jsonNum(now.Add(time.Hour))+`}`)) + "."
	cases := []struct {
		name, token string
		status      int
		code        string
	}{
		{"signed by another key", mint(f.sc.App.MintWith("RS256", otherKey, f.sc.App.KeyID(), claims(nil))), 403, "InvalidToken"},
		{"unknown kid", mint(f.sc.App.MintWith("ES256", ecKey, "attacker", claims(nil))), 403, "InvalidToken"},
		{"expired", mint(f.sc.App.Mint(claims(map[string]any{"exp": now.Add(-10 * time.Minute).Unix()}))), 403, "InvalidToken"},
		{"not yet valid", mint(f.sc.App.Mint(claims(map[string]any{"nbf": now.Add(10 * time.Minute).Unix()}))), 403, "InvalidToken"},
		{"alg none", none, 403, "InvalidToken"},
		{"missing claim", mint(f.sc.App.Mint(map[string]any{"sub": "m"})), 403, "InvalidToken"},
		{"claim not a string", mint(f.sc.App.Mint(claims(map[string]any{brokeremu.BrokerTagKey: true}))), 403, "InvalidToken"},
		{"claim an object", mint(f.sc.App.Mint(claims(map[string]any{brokeremu.BrokerTagKey: map[string]any{"a": 1}}))), 403, "InvalidToken"},
		{"claim not a tag value", mint(f.sc.App.Mint(claims(map[string]any{brokeremu.BrokerTagKey: "Yellow;drop"}))), 403, "InvalidToken"},
		{"another application's token", mint(f.sc.Other.Mint(claims(nil))), 403, "InvalidToken"},
		{"garbage", "not-a-jwt", 403, "InvalidToken"},
		{"oversized", strings.Repeat("a", server.MaxTokenBytes+1), 400, "InvalidRequest"},
		{"empty", "", 400, "InvalidRequest"},
	}
	before := f.sc.AWS.Counts()["AssumeRole"]
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := f.credentials(t, f.app, tc.token)
			if r.Status != tc.status || errorCode(t, r) != tc.code {
				t.Fatalf("got %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	if n := f.sc.AWS.Counts()["AssumeRole"] - before; n != 0 {
		t.Fatalf("refused tokens reached STS %d times", n)
	}
}

func jsonNum(t time.Time) string { b, _ := json.Marshal(t.Unix()); return string(b) }

// TestBadInput: every malformed request gets 4xx with {error, message}
// before any AWS call.
func TestBadInput(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	reg := func(mut func(*registry.Application)) registry.Application {
		r := f.registration()
		mut(&r)
		return r
	}
	cases := []struct {
		name, method, path string
		query              url.Values
		body               any
		status             int
	}{
		{"unknown field", "POST", "/applications", nil, `{"AccessRoleName":"r","Bogus":1}`, 400},
		{"not json", "POST", "/applications", nil, `{`, 400},
		{"trailing data", "POST", "/applications", nil, `{} {}`, 400},
		{"role ARN instead of name", "POST", "/applications", nil, reg(func(r *registry.Application) { r.AccessRoleName = "arn:aws:iam::999999999999:role/x" }), 400},
		{"role name too long", "POST", "/applications", nil, reg(func(r *registry.Application) { r.AccessRoleName = strings.Repeat("r", 65) }), 400},
		{"aws: tag key", "POST", "/applications", nil, reg(func(r *registry.Application) { r.SessionTagKey = "aws:TenantID" }), 400},
		{"http JWKS", "POST", "/applications", nil, reg(func(r *registry.Application) { r.JWKSetURL = "http://example.com/jwks" }), 400},
		{"caller sets RoleArn", "POST", "/applications", nil, reg(func(r *registry.Application) { r.RoleARN = "arn:aws:iam::1:role/x" }), 400},
		{"body too large", "POST", "/applications", nil, `{"AccessRoleName":"` + strings.Repeat("a", server.MaxBodyBytes) + `"}`, 400},
		{"jwt twice", "GET", "/credentials", url.Values{"jwt": {"a", "b"}}, nil, 400},
		{"unknown path", "GET", "/admin", nil, nil, 404},
		{"wrong method", "PUT", "/applications", nil, nil, 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(t, f.app, tc.method, tc.path, tc.query, tc.body)
			if r.Status != tc.status {
				t.Fatalf("got %d %s, want %d", r.Status, r.Body, tc.status)
			}
			errorCode(t, r)
		})
	}
	if n := f.sc.AWS.Counts()["AssumeRole"]; n != 0 {
		t.Fatalf("bad input reached STS %d times", n)
	}
}

// TestTrustRefused: an access role that does not trust the broker is
// refused at registration, and so (issue 22 item 15) is one that trusts
// it without sts:TagSession: the allowed probe carries a session tag, as
// every credentials request does. Such a role used to register (the
// probes were untagged) and fail only later, on every request.
func TestTrustRefused(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	f.sc.AWS.AddRole(brokeremu.RoleSpec{Name: "untrusting", TrustedRoleARNs: []string{"arn:aws:iam::123456789012:role/someone-else"},
		AllowTagSession: true, ExternalID: f.app.RoleARN})
	f.sc.AWS.AddRole(brokeremu.RoleSpec{Name: "no-tag-session", TrustedRoleARNs: []string{"arn:aws:iam::123456789012:role/" + brokeremu.BrokerRoleName},
		ExternalID: f.app.RoleARN})
	reg := f.registration()
	for _, role := range []string{"untrusting", "no-tag-session"} {
		reg.AccessRoleName = role
		r := f.do(t, f.app, "POST", "/applications", nil, reg)
		if r.Status != 403 || errorCode(t, r) != "AssumeRoleDenied" || !strings.Contains(string(r.Body), "sts:TagSession") {
			t.Fatalf("%s registered: %d %s", role, r.Status, r.Body)
		}
	}
	if r := f.do(t, f.app, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("refused registration stored: %d %s", r.Status, r.Body)
	}
}

// TestWildcardExternalIDRefused is issue 22 item 15: a trust policy whose
// sts:ExternalId condition is a pattern (StringLike) passed both probes,
// and then another application registered the same access role and got
// Yellow's credentials. Each pattern that admits more than the
// application's own role ARN is refused with AccessRoleNotBound; the
// exact condition, also as one value of a list, still registers.
func TestWildcardExternalIDRefused(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	broker := "arn:aws:iam::123456789012:role/" + brokeremu.BrokerRoleName
	for _, pattern := range []string{
		"*",
		"arn:aws:iam::123456789012:role/*",
		"arn:aws:iam::*:role/*",
		f.app.RoleARN + "*",
		"arn:aws:iam::123456789012:role/*" + f.app.RoleName,
	} {
		f.sc.AWS.AddRole(brokeremu.RoleSpec{Name: "wildcard", TrustedRoleARNs: []string{broker}, AllowTagSession: true,
			ExternalIDLike: []string{pattern}})
		reg := f.registration()
		reg.AccessRoleName = "wildcard"
		if r := f.do(t, f.app, "POST", "/applications", nil, reg); r.Status != 400 || errorCode(t, r) != "AccessRoleNotBound" {
			t.Fatalf("StringLike %q: %d %s", pattern, r.Status, r.Body)
		}
		// The other application is refused too (400, or 403 when the
		// pattern happens not to match its ARN).
		if r := f.do(t, f.other, "POST", "/applications", nil, reg); r.Status/100 != 4 {
			t.Fatalf("StringLike %q, other application: %d %s", pattern, r.Status, r.Body)
		}
	}
	f.sc.AWS.AddRole(brokeremu.RoleSpec{Name: "shared", TrustedRoleARNs: []string{broker}, AllowTagSession: true,
		ExternalIDLike: []string{f.other.RoleARN, f.app.RoleARN}})
	reg := f.registration()
	reg.AccessRoleName = "shared"
	if r := f.do(t, f.app, "POST", "/applications", nil, reg); r.Status != 201 {
		t.Fatalf("a role listing two exact application ARNs: %d %s", r.Status, r.Body)
	}
}

// TestUnboundTrustPolicyRefused: an access role written for the original
// sample (trusting the broker without sts:ExternalId) is refused with a
// message naming the condition to add, and nothing is stored.
func TestUnboundTrustPolicyRefused(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	reg := f.registration()
	reg.AccessRoleName = brokeremu.BrokerUnboundRole
	r := f.do(t, f.app, "POST", "/applications", nil, reg)
	if r.Status != 400 || errorCode(t, r) != "AccessRoleNotBound" || !strings.Contains(string(r.Body), "sts:ExternalId") ||
		!strings.Contains(string(r.Body), f.app.RoleARN) {
		t.Fatalf("unbound role: %d %s", r.Status, r.Body)
	}
	if r := f.do(t, f.app, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("refused registration stored: %d %s", r.Status, r.Body)
	}
}

// TestConfusedDeputy is the attack of issue 13: a second application
// (other-app, same account) registers the first application's access role
// with its own JWKS and asks for credentials with its own JWT. The
// registration is refused; and even a registration planted in the store
// (made before the upgrade, say) yields no session: STS sees other-app's
// ExternalId, which tenant-access's trust policy does not accept.
func TestConfusedDeputy(t *testing.T) {
	store := registry.NewMemory()
	f := newFixture(t, store)
	f.register(t)
	evil := registry.Application{AccessRoleName: brokeremu.BrokerAccessRole, SessionTagKey: brokeremu.BrokerTagKey,
		JWTClaimName: brokeremu.BrokerTagKey, JWKSetURL: f.sc.Other.JWKSURL()}
	if r := f.do(t, f.other, "POST", "/applications", nil, evil); r.Status != 403 || errorCode(t, r) != "AssumeRoleDenied" {
		t.Fatalf("mallory registered the victim's access role: %d %s", r.Status, r.Body)
	}
	evil.RoleARN, evil.CreatedAt = f.other.RoleARN, time.Now()
	if _, err := store.Put(context.Background(), evil); err != nil {
		t.Fatal(err)
	}
	tok, err := f.sc.Other.Mint(map[string]any{"sub": "mallory", brokeremu.BrokerTagKey: "Yellow"})
	if err != nil {
		t.Fatal(err)
	}
	before := f.sc.AWS.Counts()["AssumeRole"]
	if r, _ := f.credentials(t, f.other, tok); r.Status != 403 || errorCode(t, r) != "AssumeRoleDenied" {
		t.Fatalf("mallory got credentials: %d %s", r.Status, r.Body)
	}
	if n := f.sc.AWS.Counts()["AssumeRole"] - before; n != 1 {
		t.Fatalf("AssumeRole calls = %d, want the one STS denied", n)
	}
	// The victim still gets its own tenant's data.
	yellow, _ := f.sc.TenantToken("alice", "Yellow")
	if r, _ := f.credentials(t, f.app, yellow); r.Status != 200 {
		t.Fatalf("victim: %d %s", r.Status, r.Body)
	}
}

// TestUpstreamFailures maps STS and JWKS outages to 429/502.
func TestUpstreamFailures(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	f.register(t)
	tok, _ := f.sc.TenantToken("alice", "Yellow")
	f.sc.AWS.FailNext("AssumeRole", 400, "Throttling", "Rate exceeded")
	if r, _ := f.credentials(t, f.app, tok); r.Status != 429 {
		t.Fatalf("throttled STS: %d %s", r.Status, r.Body)
	}
	f.sc.AWS.FailNext("AssumeRole", 500, "InternalFailure", "boom")
	if r, _ := f.credentials(t, f.app, tok); r.Status != 502 {
		t.Fatalf("STS 500: %d %s", r.Status, r.Body)
	}
	// A cold cache with the JWKS endpoint down: 502, not 403.
	g := newFixture(t, registry.NewMemory())
	g.register(t)
	g.sc.App.SetJWKSStatus(500)
	tok, _ = g.sc.TenantToken("alice", "Yellow")
	if r, _ := g.credentials(t, g.app, tok); r.Status != 502 || errorCode(t, r) != "JWKSUnavailable" {
		t.Fatalf("JWKS down: %d %s", r.Status, r.Body)
	}
}

// TestRateLimit: a caller over its budget gets 429 with Retry-After; other
// callers are unaffected.
func TestRateLimit(t *testing.T) {
	f := newFixture(t, registry.NewMemory())
	clock := time.Unix(1_800_000_000, 0)
	f.svc.Now = func() time.Time { return clock }
	f.svc.Limiter = server.NewLimiter(1, 2)
	for i, want := range []int{404, 404, 429} {
		if r := f.do(t, f.app, "GET", "/applications", nil, nil); r.Status != want {
			t.Fatalf("request %d: %d, want %d", i, r.Status, want)
		} else if want == 429 && r.Header["Retry-After"] != "1" {
			t.Fatalf("Retry-After = %q", r.Header["Retry-After"])
		}
	}
	if r := f.do(t, f.other, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("other caller limited: %d", r.Status)
	}
	clock = clock.Add(time.Second)
	if r := f.do(t, f.app, "GET", "/applications", nil, nil); r.Status != 404 {
		t.Fatalf("after refill: %d", r.Status)
	}
}
