// Package console builds AWS Management Console sign-in URLs from temporary
// credentials through the federation endpoint (getSigninToken, then the
// login URL), for the aws, aws-us-gov and aws-cn partitions.
package console

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Issuer is what the console shows as the sign-in's origin.
const Issuer = "tip-cli"

// Endpoints are the federation endpoint and default console URL of a partition.
type Endpoints struct {
	Federation string
	Console    string
}

// PartitionEndpoints returns the federation and console URLs for region's
// partition.
func PartitionEndpoints(region string) Endpoints {
	switch {
	case strings.HasPrefix(region, "us-gov-"):
		return Endpoints{"https://signin.amazonaws-us-gov.com/federation", "https://console.amazonaws-us-gov.com/"}
	case strings.HasPrefix(region, "cn-"):
		return Endpoints{"https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"}
	}
	return Endpoints{"https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"}
}

// RefusedError means the federation endpoint refused the session (for
// example an identity-enhanced session it does not accept).
type RefusedError struct {
	Status  int
	Code    string
	Message string
}

func (e *RefusedError) Error() string {
	msg := fmt.Sprintf("the federation endpoint refused the session (HTTP %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	msg += ")"
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Client talks to a federation endpoint.
type Client struct {
	HTTP     *http.Client
	Endpoint string // .../federation
	// SessionDuration, when set, asks for a console session of that length
	// (15m-12h). AWS accepts it only for first-hop sessions (IAM federation
	// mode), never for role-chained ones.
	SessionDuration time.Duration
}

// SigninURL returns a console login URL for c that opens destination.
// The URL embeds a sign-in token valid for 15 minutes: it is a secret.
func (cl *Client) SigninURL(ctx context.Context, c *cred.Credentials, destination string) (string, error) {
	token, err := cl.signinToken(ctx, c)
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"login"}, "Issuer": {Issuer}, "Destination": {destination}, "SigninToken": {token}}
	return cl.Endpoint + "?" + q.Encode(), nil
}

// signinToken calls getSigninToken. SessionDuration is sent only when set:
// AWS rejects it for role-chained sessions (every identity-center session).
func (cl *Client) signinToken(ctx context.Context, c *cred.Credentials) (string, error) {
	session, err := json.Marshal(map[string]string{"sessionId": c.AccessKeyID, "sessionKey": c.SecretAccessKey, "sessionToken": c.SessionToken})
	if err != nil {
		return "", err
	}
	q := url.Values{"Action": {"getSigninToken"}, "Session": {string(session)}}
	if cl.SessionDuration > 0 {
		q.Set("SessionDuration", strconv.Itoa(int(cl.SessionDuration/time.Second)))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cl.Endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("federation endpoint %q: %w", cl.Endpoint, err)
	}
	resp, err := cl.HTTP.Do(req)
	if err != nil {
		// The URL carries the secret key: report the endpoint only.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("get console sign-in token from %s: %w", cl.Endpoint, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return "", fmt.Errorf("get console sign-in token: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Code, Message string }
		_ = json.Unmarshal(body, &e)
		return "", &RefusedError{Status: resp.StatusCode, Code: e.Code, Message: e.Message}
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal(body, &out); err != nil || out.SigninToken == "" {
		return "", fmt.Errorf("get console sign-in token: unexpected response")
	}
	return out.SigninToken, nil
}
