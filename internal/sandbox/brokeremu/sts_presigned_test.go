package brokeremu

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// presignGCI presigns GetCallerIdentity against the emulator with the extra
// signed header X-Tip-Broker-Id: broker.
func presignGCI(t *testing.T, f *awsFixture, c aws.Credentials, query string, when time.Time) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.aws.URL()+"/?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Tip-Broker-Id", "broker-a")
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), c, req, sigv4EmptySHA256, "sts", "us-east-1", when)
	if err != nil {
		t.Fatalf("PresignHTTP: %v", err)
	}
	return signed
}

// getPresigned GETs u with the given X-Tip-Broker-Id ("" for none) and
// returns the status and the STS error code or GetCallerIdentity Arn.
func getPresigned(t *testing.T, u, broker string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if broker != "" {
		req.Header.Set("X-Tip-Broker-Id", broker)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET presigned: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Arn     string `xml:"GetCallerIdentityResult>Arn"`
		Code    string `xml:"Error>Code"`
		Message string `xml:"Error>Message"`
	}
	if err := xml.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	if v.Code != "" {
		return resp.StatusCode, v.Code, v.Message
	}
	return resp.StatusCode, v.Arn, ""
}

// editQuery returns u with its query changed by mutate (re-encoded).
func editQuery(t *testing.T, u string, mutate func(url.Values)) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	mutate(q)
	p.RawQuery = q.Encode()
	return p.String()
}

func TestSTSPresignedGetCallerIdentity(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	creds := f.webIdentity(t)
	now := f.clock.Now()
	const gci = "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60"
	wantArn := "arn:aws:sts::123456789012:assumed-role/tip-sandbox-oidc/alice"
	wrongSecret := creds
	wrongSecret.SecretAccessKey = creds.SecretAccessKey + "x"
	unknown := creds
	unknown.AccessKeyID = "ASIAUNKNOWNUNKNOWN00"
	tests := []struct {
		name       string
		url        func() string
		broker     string
		advance    time.Duration
		wantStatus int
		want       string // Arn or error code
		wantMsg    string
	}{
		{name: "ok", url: func() string { return presignGCI(t, f, creds, gci, now) }, wantStatus: 200, want: wantArn},
		{name: "signed a minute ago", url: func() string { return presignGCI(t, f, creds, gci, now.Add(-time.Minute)) }, wantStatus: 200, want: wantArn},
		{name: "wrong secret", url: func() string { return presignGCI(t, f, wrongSecret, gci, now) }, wantStatus: 403, want: "SignatureDoesNotMatch"},
		{name: "unknown key", url: func() string { return presignGCI(t, f, unknown, gci, now) }, wantStatus: 403, want: "InvalidClientTokenId"},
		{name: "token dropped", url: func() string {
			return editQuery(t, presignGCI(t, f, creds, gci, now), func(q url.Values) { q.Del("X-Amz-Security-Token") })
		}, wantStatus: 403, want: "InvalidClientTokenId"},
		{name: "expired", url: func() string { return presignGCI(t, f, creds, gci, now.Add(-61*time.Second)) }, wantStatus: 403, want: "SignatureDoesNotMatch", wantMsg: "Signature expired"},
		{name: "not yet current", url: func() string { return presignGCI(t, f, creds, gci, now.Add(20*time.Minute)) }, wantStatus: 403, want: "SignatureDoesNotMatch", wantMsg: "not yet current"},
		{name: "tampered expires", url: func() string {
			return editQuery(t, presignGCI(t, f, creds, gci, now), func(q url.Values) { q.Set("X-Amz-Expires", "600") })
		}, wantStatus: 403, want: "SignatureDoesNotMatch"},
		{name: "extra parameter", url: func() string {
			return editQuery(t, presignGCI(t, f, creds, gci, now), func(q url.Values) { q.Set("Foo", "bar") })
		}, wantStatus: 403, want: "SignatureDoesNotMatch"},
		{name: "signed header missing", broker: "-", url: func() string { return presignGCI(t, f, creds, gci, now) }, wantStatus: 403, want: "SignatureDoesNotMatch", wantMsg: "x-tip-broker-id"},
		{name: "signed header differs", broker: "broker-b", url: func() string { return presignGCI(t, f, creds, gci, now) }, wantStatus: 403, want: "SignatureDoesNotMatch"},
		{name: "expires too long", url: func() string {
			return presignGCI(t, f, creds, "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=604801", now)
		}, wantStatus: 403, want: "SignatureDoesNotMatch", wantMsg: "X-Amz-Expires"},
		{name: "credentials expired", advance: 16 * time.Minute, url: func() string {
			return presignGCI(t, f, creds, gci, now.Add(16*time.Minute))
		}, wantStatus: 403, want: "ExpiredToken"},
		{name: "unsigned", url: func() string { return f.aws.URL() + "/?" + gci }, wantStatus: 403, want: "MissingAuthenticationToken"},
		{name: "other action", url: func() string {
			return presignGCI(t, f, creds, "Action=AssumeRole&Version=2011-06-15&X-Amz-Expires=60", now)
		}, wantStatus: 400, want: "InvalidAction"},
		{name: "wrong version", url: func() string {
			return presignGCI(t, f, creds, "Action=GetCallerIdentity&Version=2010-01-01&X-Amz-Expires=60", now)
		}, wantStatus: 400, want: "InvalidAction"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.url()
			f.clock.Advance(tt.advance)
			defer f.clock.Advance(-tt.advance)
			broker := "broker-a"
			switch tt.broker {
			case "-":
				broker = ""
			case "":
			default:
				broker = tt.broker
			}
			status, got, msg := getPresigned(t, u, broker)
			if status != tt.wantStatus || got != tt.want {
				t.Fatalf("got %d %q (%s), want %d %q", status, got, msg, tt.wantStatus, tt.want)
			}
			if !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("message %q does not mention %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestSTSPresignedRecordsAndFails(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	creds := f.webIdentity(t)
	u := presignGCI(t, f, creds, "Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60", f.clock.Now())
	f.aws.FailNext("GetCallerIdentity", http.StatusInternalServerError, "InternalFailure", "boom")
	if status, code, _ := getPresigned(t, u, "broker-a"); status != 500 || code != "InternalFailure" {
		t.Fatalf("FailNext: got %d %q", status, code)
	}
	if status, arn, _ := getPresigned(t, u, "broker-a"); status != 200 || !strings.HasSuffix(arn, "/alice") {
		t.Fatalf("second call: got %d %q", status, arn)
	}
	if n := f.aws.Counts()["GetCallerIdentity"]; n != 2 {
		t.Fatalf("GetCallerIdentity count = %d, want 2", n)
	}
	recs := f.aws.Requests("GetCallerIdentity")
	last := recs[len(recs)-1]
	if last.Caller == nil || last.Caller.AccessKeyID != creds.AccessKeyID {
		t.Fatalf("recorded caller = %+v", last.Caller)
	}
	if got := last.Header.Get("X-Tip-Broker-Id"); got != "broker-a" {
		t.Fatalf("recorded X-Tip-Broker-Id = %q", got)
	}
}
