package console

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidateDestination(t *testing.T) {
	tests := []struct {
		raw     string
		wantErr string
	}{
		{"https://console.aws.amazon.com/", ""},
		{"https://us-east-1.console.aws.amazon.com/s3/buckets?region=us-east-1#x", ""},
		{"https://quicksight.aws.amazon.com/sn/start", ""},
		{"https://console.amazonaws-us-gov.com/", ""},
		{"https://console.amazonaws.cn/", ""},
		{"https://CONSOLE.AWS.AMAZON.COM/", ""},
		{"http://console.aws.amazon.com/", "must be an https URL"},
		{"javascript:alert(1)", "must be an https URL"},
		{"https:console.aws.amazon.com", "must be an https URL"},
		{"/console/home", "must be an https URL"},
		{"", "must be an https URL"},
		{"https://", "must be an https URL"},
		{"https://user:pw@console.aws.amazon.com/", "must not carry user info"},
		{"https://evil.example/", "is not an AWS console address"},
		{"https://console.aws.amazon.com.evil.example/", "is not an AWS console address"},
		{"https://evilaws.amazon.com/", "is not an AWS console address"},
		{"https://my-bucket.s3.amazonaws.com/phish.html", "is not an AWS console address"},
		{"https://console.aws.amazon.com%2F@evil.example/", "must not carry user info"},
		{"https://[::1]/", "is not an AWS console address"},
		{"https://console.aws.amazon.com\x00/", "is not a URL"},
	}
	for _, tt := range tests {
		err := ValidateDestination(tt.raw)
		if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("ValidateDestination(%q) = %v, want %q", tt.raw, err, tt.wantErr)
		}
	}
}

// FuzzValidateDestination: whatever is accepted parses as an https URL
// without user info whose host is an AWS console domain or under one.
func FuzzValidateDestination(f *testing.F) {
	for _, s := range []string{"https://console.aws.amazon.com/", "https://a.aws.amazon.com.evil/", "http://x", "https://u@aws.amazon.com", "https://aws.amazon.com:443/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if ValidateDestination(raw) != nil {
			return
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.User != nil {
			t.Fatalf("accepted %q", raw)
		}
		h := strings.ToLower(u.Hostname())
		ok := false
		for _, d := range consoleDomains {
			ok = ok || h == d || strings.HasSuffix(h, "."+d)
		}
		if !ok || strings.ContainsAny(h, "/@?#") {
			t.Fatalf("accepted host %q of %q", h, raw)
		}
	})
}
