package client

import (
	"errors"
	"net/url"
	"testing"
)

func TestDetectAuth(t *testing.T) {
	for endpoint, want := range map[string]Auth{
		"https://abc123.execute-api.us-east-1.amazonaws.com/prod":   AuthSigV4,
		"https://abc123.execute-api.cn-north-1.amazonaws.com.cn/v1": AuthSigV4,
		"https://broker.example.com":                                AuthSTS,
		"http://127.0.0.1:8443":                                     AuthSTS,
		"https://execute-api.example.com":                           AuthSTS,
	} {
		if got := DetectAuth(endpoint); got != want {
			t.Errorf("DetectAuth(%s) = %s, want %s", endpoint, got, want)
		}
	}
}

func TestAnswerError(t *testing.T) {
	cases := []struct {
		status    int
		body      string
		code, msg string
	}{
		{403, `{"error":"InvalidToken","message":"token expired"}`, "InvalidToken", "token expired"},
		{403, `{"message":"Missing Authentication Token"}`, "Forbidden", "Missing Authentication Token"},
		{502, `<html>bad gateway</html>`, "BadGateway", "Bad Gateway"},
		{429, ``, "TooManyRequests", "Too Many Requests"},
	}
	for _, tc := range cases {
		var e *brokerError
		if !errors.As(answerError(tc.status, []byte(tc.body)), &e) || e.Status != tc.status || e.Code != tc.code || e.Message != tc.msg {
			t.Errorf("answerError(%d, %q) = %+v", tc.status, tc.body, e)
		}
	}
}

// TestRedactURLError: a transport error must not repeat the request URL,
// whose query holds the user's JWT.
func TestRedactURLError(t *testing.T) {
	err := redactURLError(&url.Error{Op: "Get", URL: "https://b.example/credentials?jwt=eyJsecret", Err: errors.New("connection refused")})
	if got := err.Error(); got != "Get: connection refused" {
		t.Fatalf("got %q", got)
	}
}
