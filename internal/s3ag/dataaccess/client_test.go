package dataaccess

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/s3ag"
)

var testNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

const testAccount = "123456789012"

const okBody = `<?xml version="1.0" encoding="UTF-8"?>
<GetDataAccessResult><Credentials><AccessKeyId>ASIAGRANT</AccessKeyId><SecretAccessKey>grant-secret</SecretAccessKey><SessionToken>grant-token</SessionToken><Expiration>2030-01-01T13:00:00Z</Expiration></Credentials><MatchedGrantTarget>s3://b1b/p/*</MatchedGrantTarget><Grantee><GranteeType>DIRECTORY_USER</GranteeType><GranteeIdentifier>u-1</GranteeIdentifier></Grantee></GetDataAccessResult>`

const deniedBody = `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse><Error><Code>AccessDenied</Code><Message>You do not have any S3 Access Grants</Message></Error><RequestId>req-1</RequestId><HostId>host-1</HostId></ErrorResponse>`

const invalidBody = `<?xml version="1.0" encoding="UTF-8"?>
<ErrorResponse><Error><Code>InvalidRequest</Code><Message>bad target</Message></Error><RequestId>req-2</RequestId><HostId>host-2</HostId></ErrorResponse>`

// fakeS3Control is a loopback S3 Control that records requests.
type fakeS3Control struct {
	srv    *httptest.Server
	status int
	body   string

	mu   sync.Mutex
	reqs []*http.Request
}

func newFake(t *testing.T, status int, body string) *fakeS3Control {
	t.Helper()
	f := &fakeS3Control{status: status, body: body}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.reqs = append(f.reqs, r.Clone(context.Background()))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeS3Control) requests() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.reqs...)
}

func testConfig() aws.Config {
	return aws.Config{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDSESSION", "session-secret", "session-token"),
		RetryMaxAttempts: 1,
	}
}

func testClient(f *fakeS3Control) *Client {
	c := NewClient(testConfig(), f.srv.URL)
	c.Now = func() time.Time { return testNow }
	return c
}

func testRequest() s3ag.Request {
	return s3ag.Request{Target: s3ag.URI{Bucket: "b1b", Key: "p/q/data.csv"}, Permission: "readwrite",
		AccountID: testAccount}
}

func TestGetDataAccessWire(t *testing.T) {
	f := newFake(t, http.StatusOK, okBody)
	req := testRequest()
	req.Privilege, req.TargetType, req.DurationSeconds = "minimal", "object", 1800
	g, err := testClient(f).GetDataAccess(context.Background(), req)
	if err != nil {
		t.Fatalf("GetDataAccess: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodGet || r.URL.Path != "/v20180820/accessgrantsinstance/dataaccess" {
		t.Errorf("request %s %s", r.Method, r.URL.Path)
	}
	wantQuery := url.Values{"target": {"s3://b1b/p/q/data.csv"}, "permission": {"READWRITE"},
		"privilege": {"Minimal"}, "targetType": {"Object"}, "durationSeconds": {"1800"}}
	if got := r.URL.Query(); got.Encode() != wantQuery.Encode() {
		t.Errorf("query = %v, want %v", got, wantQuery)
	}
	if got := r.Header.Get("X-Amz-Account-Id"); got != testAccount {
		t.Errorf("x-amz-account-id = %q", got)
	}
	if want := f.srv.Listener.Addr().String(); r.Host != want {
		t.Errorf("Host = %q, want %q (no account prefix)", r.Host, want)
	}
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDSESSION/") || !strings.Contains(auth, "/us-east-1/s3/aws4_request") {
		t.Errorf("Authorization = %q, want SigV4 for service s3", auth)
	}
	if got := r.Header.Get("X-Amz-Security-Token"); got != "session-token" {
		t.Errorf("X-Amz-Security-Token = %q", got)
	}

	if g.Target != "s3://b1b/p/*" || g.Requested != "s3://b1b/p/q/data.csv" || g.Permission != "READWRITE" ||
		g.Privilege != "Minimal" || g.TargetType != "Object" {
		t.Errorf("grant = %+v", g)
	}
	c := g.Credentials
	if c.AccessKeyID != "ASIAGRANT" || c.SecretAccessKey != "grant-secret" || c.SessionToken != "grant-token" ||
		!c.Expiration.Equal(testNow.Add(time.Hour)) || c.AccountID != testAccount || !c.MintedAt.Equal(testNow) {
		t.Errorf("credentials = %+v", c)
	}
}

func TestGetDataAccessDefaults(t *testing.T) {
	f := newFake(t, http.StatusOK, okBody)
	req := testRequest()
	req.Target = s3ag.URI{Bucket: "b1b", Key: "p/"}
	g, err := testClient(f).GetDataAccess(context.Background(), req)
	if err != nil {
		t.Fatalf("GetDataAccess: %v", err)
	}
	q := f.requests()[0].URL.Query()
	if q.Has("durationSeconds") || q.Has("targetType") || q.Get("privilege") != "Default" || q.Get("target") != "s3://b1b/p/" {
		t.Errorf("query = %v", q)
	}
	if g.Privilege != "Default" || g.TargetType != "" {
		t.Errorf("grant = %+v", g)
	}
}

// TestGetDataAccessEndpointSources covers the endpoint arriving through
// cfg.BaseEndpoint and through AWS_ENDPOINT_URL_S3_CONTROL as the SDK's own
// config loading resolves it: either way the host stays unprefixed.
func TestGetDataAccessEndpointSources(t *testing.T) {
	f := newFake(t, http.StatusOK, okBody)
	base := testConfig()
	base.BaseEndpoint = aws.String(f.srv.URL)

	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_ENDPOINT_URL_S3_CONTROL", f.srv.URL)
	t.Setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
	if err := os.WriteFile(filepath.Join(dir, "config"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	loaded, err := config.LoadDefaultConfig(context.Background(), config.WithRegion("eu-west-1"),
		config.WithRetryMaxAttempts(1),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDSESSION", "s", "t")))
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]aws.Config{"BaseEndpoint": base, "env": loaded} {
		if _, err := NewClient(cfg, "").GetDataAccess(context.Background(), testRequest()); err != nil {
			t.Errorf("%s: GetDataAccess: %v", name, err)
		}
	}
	for _, r := range f.requests() {
		if r.Host != f.srv.Listener.Addr().String() {
			t.Errorf("Host = %q, want unprefixed", r.Host)
		}
	}
	if n := len(f.requests()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

func TestGetDataAccessErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		check   func(t *testing.T, err error)
		wantMsg string
	}{
		{name: "no grant", status: http.StatusForbidden, body: deniedBody,
			wantMsg: "no S3 Access Grant matches s3://b1b/p/q/data.csv for READWRITE",
			check: func(t *testing.T, err error) {
				var ng *noGrantError
				if !errors.As(err, &ng) || ng.Target != "s3://b1b/p/q/data.csv" || ng.Permission != s3ag.PermissionReadWrite {
					t.Errorf("error %T %v is not the noGrantError", err, err)
				}
			}},
		{name: "other API error", status: http.StatusBadRequest, body: invalidBody,
			wantMsg: "get data access for s3://b1b/p/q/data.csv: InvalidRequest: bad target",
			check: func(t *testing.T, err error) {
				var ae smithy.APIError
				if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidRequest" {
					t.Errorf("error %v does not unwrap to the API error", err)
				}
				var ng *noGrantError
				if errors.As(err, &ng) {
					t.Errorf("error %v is a noGrantError", err)
				}
			}},
		{name: "incomplete response", status: http.StatusOK,
			body:    `<GetDataAccessResult><MatchedGrantTarget>s3://b1b/*</MatchedGrantTarget></GetDataAccessResult>`,
			wantMsg: "get data access for s3://b1b/p/q/data.csv: response has incomplete credentials"},
		{name: "no matched target", status: http.StatusOK,
			body:    strings.Replace(okBody, "<MatchedGrantTarget>s3://b1b/p/*</MatchedGrantTarget>", "", 1),
			wantMsg: "get data access for s3://b1b/p/q/data.csv: response has no MatchedGrantTarget"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.status, tt.body)
			g, err := testClient(f).GetDataAccess(context.Background(), testRequest())
			if err == nil || g != nil {
				t.Fatalf("GetDataAccess = %+v, %v; want error", g, err)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err, tt.wantMsg)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
		})
	}
}

func TestGetDataAccessInvalidInputMakesNoRequest(t *testing.T) {
	f := newFake(t, http.StatusOK, okBody)
	c := testClient(f)
	tests := []struct {
		name string
		mut  func(*s3ag.Request)
	}{
		{"bucket", func(r *s3ag.Request) { r.Target.Bucket = "Bad_Bucket" }},
		{"control character", func(r *s3ag.Request) { r.Target.Key = "a\x00b" }},
		{"too long", func(r *s3ag.Request) { r.Target.Key = strings.Repeat("k", s3ag.MaxURILength) }},
		{"permission", func(r *s3ag.Request) { r.Permission = "FULL" }},
		{"privilege", func(r *s3ag.Request) { r.Privilege = "Max" }},
		{"target type", func(r *s3ag.Request) { r.TargetType, r.Target.Key = "Object", "p/" }},
		{"duration", func(r *s3ag.Request) { r.DurationSeconds = 60 }},
		{"account", func(r *s3ag.Request) { r.AccountID = "acct" }},
	}
	for _, tt := range tests {
		req := testRequest()
		tt.mut(&req)
		if _, err := c.GetDataAccess(context.Background(), req); err == nil {
			t.Errorf("%s: GetDataAccess succeeded", tt.name)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests for invalid input, want 0", n)
	}
}

func TestFixedEndpointRejectsBadURL(t *testing.T) {
	for _, ep := range []string{"127.0.0.1:9000", "ftp://127.0.0.1", "http://", "http://[::1"} {
		c := NewClient(testConfig(), ep)
		if _, err := c.GetDataAccess(context.Background(), testRequest()); err == nil || !strings.Contains(err.Error(), "invalid S3 Control endpoint") {
			t.Errorf("endpoint %q: error = %v", ep, err)
		}
	}
}
