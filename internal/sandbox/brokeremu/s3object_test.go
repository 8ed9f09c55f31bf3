package brokeremu

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// s3EmptyHash is the SHA-256 of an empty payload.
const s3EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// s3Response is a raw S3 response.
type s3Response struct {
	status int
	header http.Header
	body   []byte
}

// s3Call sends method path to the emulator, SigV4-signed for "s3" with
// creds unless creds is nil; mutate may change the request before signing.
func (s *brokerScenario) s3Call(t *testing.T, method, path string, creds *aws.Credentials, mutate func(*http.Request)) s3Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, s.aws.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Content-Sha256", s3EmptyHash)
	if mutate != nil {
		mutate(req)
	}
	if creds != nil {
		hash := req.Header.Get("X-Amz-Content-Sha256")
		if hash == "" {
			hash = s3EmptyHash
		}
		err := v4.NewSigner().SignHTTP(context.Background(), *creds, req, hash, "s3", "us-east-1", s.clock.Now(),
			func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return s3Response{status: resp.StatusCode, header: resp.Header, body: body}
}

// s3ErrorDoc is the S3 REST error document.
type s3ErrorDoc struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	Key        string   `xml:"Key"`
	BucketName string   `xml:"BucketName"`
	RequestID  string   `xml:"RequestId"`
	HostID     string   `xml:"HostId"`
}

func TestS3GetObjectTenantIsolation(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	yellow, blue := s.tenant(t, "Yellow"), s.tenant(t, "Blue")
	untagged, err := s.assume(s.broker, &sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN)})
	if err != nil {
		t.Fatalf("AssumeRole without tags: %v", err)
	}
	otherTag, err := s.assume(s.broker, &sts.AssumeRoleInput{RoleArn: aws.String(s.accessARN), Tags: stsTagList("Tenant", "Yellow")})
	if err != nil {
		t.Fatalf("AssumeRole with another tag: %v", err)
	}
	noTag, wrongTag := awsFromSTS(untagged.Credentials), awsFromSTS(otherTag.Credentials)
	expired := s.aws.RoleCredentials("tenant-access", "old", time.Second)
	s.clock.Advance(time.Second) // expired is now expired; the others last an hour
	tests := []struct {
		name   string
		method string
		path   string
		creds  *aws.Credentials
		mutate func(*http.Request)
		status int
		code   string
		body   string
	}{
		{name: "yellow reads yellow", path: "/tenant-data/Yellow/x", creds: &yellow, status: 200, body: "yellow data"},
		{name: "unsigned payload", path: "/tenant-data/Yellow/x", creds: &yellow, status: 200, body: "yellow data",
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD") }},
		{name: "blue reads blue", path: "/tenant-data/Blue/x", creds: &blue, status: 200, body: "blue data"},
		{name: "yellow denied blue", path: "/tenant-data/Blue/x", creds: &yellow, status: 403, code: "AccessDenied"},
		{name: "denied before missing key", path: "/tenant-data/Blue/missing", creds: &yellow, status: 403, code: "AccessDenied"},
		{name: "missing key", path: "/tenant-data/Yellow/missing", creds: &yellow, status: 404, code: "NoSuchKey"},
		{name: "missing tag denied", path: "/tenant-data/Yellow/x", creds: &noTag, status: 403, code: "AccessDenied"},
		{name: "other tag key denied", path: "/tenant-data/Yellow/x", creds: &wrongTag, status: 403, code: "AccessDenied"},
		{name: "role without s3 policy", path: "/tenant-data/Yellow/x", creds: &s.broker, status: 403, code: "AccessDenied"},
		{name: "unknown bucket", path: "/other-bucket/Yellow/x", creds: &yellow, status: 404, code: "NoSuchBucket"},
		{name: "unsigned", path: "/tenant-data/Yellow/x", status: 403, code: "AccessDenied"},
		{name: "expired session", path: "/tenant-data/Yellow/x", creds: &expired, status: 400, code: "ExpiredToken"},
		{name: "wrong secret", path: "/tenant-data/Yellow/x", creds: &aws.Credentials{AccessKeyID: yellow.AccessKeyID, SecretAccessKey: "wrong", SessionToken: yellow.SessionToken},
			status: 403, code: "SignatureDoesNotMatch"},
		{name: "payload hash mismatch", path: "/tenant-data/Yellow/x", creds: &yellow, status: 403, code: "SignatureDoesNotMatch",
			mutate: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64)) }},
		{name: "missing content sha256", path: "/tenant-data/Yellow/x", creds: &yellow, status: 400, code: "InvalidRequest",
			mutate: func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }},
		{name: "head yellow", method: http.MethodHead, path: "/tenant-data/Yellow/x", creds: &yellow, status: 200},
		{name: "head denied", method: http.MethodHead, path: "/tenant-data/Blue/x", creds: &yellow, status: 403},
		{name: "head missing", method: http.MethodHead, path: "/tenant-data/Yellow/nope", creds: &yellow, status: 404},
		{name: "no key is not s3", path: "/favicon.ico", status: 404, body: "not found\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			resp := s.s3Call(t, method, tt.path, tt.creds, tt.mutate)
			if resp.status != tt.status {
				t.Fatalf("status = %d (%s), want %d", resp.status, resp.body, tt.status)
			}
			if tt.code != "" {
				var doc s3ErrorDoc
				if err := xml.Unmarshal(resp.body, &doc); err != nil {
					t.Fatalf("decode error %q: %v", resp.body, err)
				}
				if doc.Code != tt.code || doc.Message == "" || doc.RequestID == "" || doc.HostID == "" {
					t.Errorf("error = %+v, want code %s with message, request and host ids", doc, tt.code)
				}
				if tt.code == "AccessDenied" && doc.Message != "Access Denied" {
					t.Errorf("message = %q, want Access Denied", doc.Message)
				}
				return
			}
			if method == http.MethodHead && len(resp.body) != 0 {
				t.Errorf("HEAD body = %q, want none", resp.body)
			}
			if tt.body != "" && string(resp.body) != tt.body {
				t.Errorf("body = %q, want %q", resp.body, tt.body)
			}
		})
	}
}

func TestS3GetObjectHeaders(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	yellow := s.tenant(t, "Yellow")
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		resp := s.s3Call(t, method, "/tenant-data/Yellow/x", &yellow, nil)
		want := map[string]string{
			"Content-Length": "11",
			"Content-Type":   "application/octet-stream",
			"Etag":           `"ca72d20f9bef37c9bff1ecc311a2e49f"`,
			"Last-Modified":  "Wed, 02 Jan 2030 03:04:05 GMT",
		}
		for k, v := range want {
			if got := resp.header.Get(k); got != v {
				t.Errorf("%s %s = %q, want %q", method, k, got, v)
			}
		}
		if resp.header.Get("X-Amz-Request-Id") == "" {
			t.Errorf("%s lacks x-amz-request-id", method)
		}
	}
	counts := s.aws.Counts()
	if counts["GetObject"] != 1 || counts["HeadObject"] != 1 {
		t.Errorf("counts = %v, want one GetObject and one HeadObject", counts)
	}
	rec := s.aws.Requests("GetObject")[0]
	if rec.Caller == nil || rec.Caller.Tags["TenantID"] != "Yellow" {
		t.Errorf("recorded caller = %+v, want the Yellow session", rec.Caller)
	}
}

func TestS3GetObjectFailNextAndReplace(t *testing.T) {
	t.Parallel()
	s := brokerStart(t)
	yellow := s.tenant(t, "Yellow")
	s.aws.FailNext("GetObject", http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	resp := s.s3Call(t, http.MethodGet, "/tenant-data/Yellow/x", &yellow, nil)
	var doc s3ErrorDoc
	if err := xml.Unmarshal(resp.body, &doc); err != nil || resp.status != 503 || doc.Code != "SlowDown" {
		t.Fatalf("FailNext: status %d, %+v (%v)", resp.status, doc, err)
	}
	body := []byte{0, 1, 2}
	s.aws.PutObject("tenant-data", "Yellow/x", body)
	body[0] = 9 // PutObject keeps its own copy
	resp = s.s3Call(t, http.MethodGet, "/tenant-data/Yellow/x", &yellow, nil)
	if resp.status != 200 || !bytes.Equal(resp.body, []byte{0, 1, 2}) {
		t.Fatalf("after replace: %d %v", resp.status, resp.body)
	}
}

// awsCLIv2 returns an installed AWS CLI v2 binary ("" when none).
func awsCLIv2(ctx context.Context) string {
	for _, bin := range []string{"/usr/bin/aws", "aws"} {
		path, err := exec.LookPath(bin)
		if err != nil {
			continue
		}
		out, err := exec.CommandContext(ctx, path, "--version").Output()
		if err == nil && strings.HasPrefix(string(out), "aws-cli/2") {
			return path
		}
	}
	return ""
}

// TestAWSCLIS3Copy checks S3 GetObject and SigV4 against botocore: the AWS
// CLI v2 copies the Yellow tenant's object to stdout and is refused the Blue
// one. Set TIP_CLI_TEST_AWSCLI=1 (or TIP_SANDBOX_AWSCLI=1) to run it.
func TestAWSCLIS3Copy(t *testing.T) {
	t.Parallel()
	if os.Getenv("TIP_CLI_TEST_AWSCLI") != "1" && os.Getenv("TIP_SANDBOX_AWSCLI") != "1" {
		t.Skip("set TIP_CLI_TEST_AWSCLI=1 to run against the installed AWS CLI v2")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	bin := awsCLIv2(ctx)
	if bin == "" {
		t.Skip("AWS CLI v2 is not installed")
	}
	s := brokerStart(t)
	yellow := s.tenant(t, "Yellow")
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"AWS_ACCESS_KEY_ID="+yellow.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+yellow.SecretAccessKey,
		"AWS_SESSION_TOKEN="+yellow.SessionToken, "AWS_REGION=us-east-1", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
	run := func(uri string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, bin, "s3", "cp", uri, "-", "--endpoint-url", s.aws.URL())
		cmd.Env = env
		return cmd.Output()
	}
	out, err := run("s3://tenant-data/Yellow/x")
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("aws s3 cp Yellow: %v: %s", err, ee.Stderr)
		}
		t.Fatalf("aws s3 cp Yellow: %v", err)
	}
	if string(out) != "yellow data" {
		t.Errorf("aws s3 cp Yellow = %q, want %q", out, "yellow data")
	}
	if _, err := run("s3://tenant-data/Blue/x"); err == nil {
		t.Error("aws s3 cp Blue succeeded, want access denied")
	} else if ee := (*exec.ExitError)(nil); errors.As(err, &ee) && !strings.Contains(string(ee.Stderr), "403") {
		t.Errorf("aws s3 cp Blue stderr = %s, want a 403", ee.Stderr)
	}
}
