// Package client calls a tip-broker API as an application: the HTTP
// counterpart of the original broker's awscurl steps. Requests are signed
// with the application's own AWS credentials, either with SigV4 for API
// Gateway (Lambda mode) or with a presigned sts:GetCallerIdentity for the
// standalone server.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/broker/api"
	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/server"
)

// Auth says how requests prove the caller's identity.
type Auth string

const (
	// AuthSigV4 signs each request for execute-api (API Gateway with AWS_IAM).
	AuthSigV4 Auth = "sigv4"
	// AuthSTS attaches a presigned sts:GetCallerIdentity (standalone server).
	AuthSTS Auth = "sts"
)

// maxResponseBytes bounds what the client reads from the broker.
const maxResponseBytes = 1 << 20

// Client is one broker endpoint and the caller's credentials.
type Client struct {
	// Endpoint is the API base URL, e.g. https://abc.execute-api.us-east-1.amazonaws.com/prod.
	Endpoint string
	Auth     Auth
	// Signer provides the application role's credentials that sign requests.
	Signer aws.CredentialsProvider
	Region string
	// BrokerID and STSEndpoint are used with AuthSTS.
	BrokerID, STSEndpoint string
	HTTP                  *http.Client
	Now                   func() time.Time
}

// brokerError is an error answer from the broker.
type brokerError struct {
	Status  int
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *brokerError) Error() string {
	return fmt.Sprintf("broker answered %d %s: %s", e.Status, e.Code, e.Message)
}

// DetectAuth picks SigV4 for API Gateway endpoints and STS otherwise.
func DetectAuth(endpoint string) Auth {
	u, err := url.Parse(endpoint)
	if err == nil && strings.Contains(u.Hostname(), ".execute-api.") {
		return AuthSigV4
	}
	return AuthSTS
}

// Register registers the caller's role with reg's settings.
func (c *Client) Register(ctx context.Context, reg registry.Application) (registry.Application, error) {
	body, err := json.Marshal(reg)
	if err != nil {
		return registry.Application{}, fmt.Errorf("encode registration: %w", err)
	}
	var out registry.Application
	return out, c.do(ctx, api.Register, nil, body, &out)
}

// Describe returns the caller's registration.
func (c *Client) Describe(ctx context.Context) (registry.Application, error) {
	var out registry.Application
	return out, c.do(ctx, api.Describe, nil, nil, &out)
}

// Deregister removes the caller's registration.
func (c *Client) Deregister(ctx context.Context) error {
	return c.do(ctx, api.Deregister, nil, nil, nil)
}

// Credentials exchanges an end user's JWT for tenant-scoped credentials.
func (c *Client) Credentials(ctx context.Context, jwt string) (server.Credentials, error) {
	var out server.Credentials
	return out, c.do(ctx, api.Credentials, url.Values{"jwt": {jwt}}, nil, &out)
}

// do calls the route of op (from the broker's route table) and decodes
// the answer into out.
func (c *Client) do(ctx context.Context, op api.Op, query url.Values, body []byte, out any) error {
	rt, ok := api.Of(op)
	if !ok {
		return fmt.Errorf("the broker api has no %s route", op)
	}
	method, path := rt.Method, rt.Path
	req, err := c.newRequest(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, redactURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode >= 300 {
		return answerError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
	}
	return nil
}

func (c *Client) newRequest(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Request, error) {
	u, err := url.Parse(strings.TrimRight(c.Endpoint, "/") + path)
	if err != nil {
		return nil, fmt.Errorf("broker endpoint: %w", err)
	}
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	switch c.Auth {
	case AuthSigV4:
		err = callerauth.SignAPIGateway(ctx, req, body, c.Signer, c.Region, now())
	case AuthSTS:
		var h string
		h, err = callerauth.PresignCallerIdentity(ctx, c.Signer, c.STSEndpoint, c.Region, c.BrokerID, callerauth.BindingOf(req, body), now())
		req.Header.Set("Authorization", h)
	default:
		err = fmt.Errorf("unknown auth %q", c.Auth)
	}
	if err != nil {
		return nil, fmt.Errorf("sign request: %w", err)
	}
	return req, nil
}

// answerError reads the broker's {"error","message"}; API Gateway's own
// refusals carry only {"message"}.
func answerError(status int, data []byte) error {
	e := &brokerError{Status: status}
	if json.Unmarshal(data, e) != nil || (e.Code == "" && e.Message == "") {
		e.Message = http.StatusText(status)
	}
	if e.Code == "" {
		e.Code = strings.ReplaceAll(http.StatusText(status), " ", "")
	}
	return e
}

// redactURLError drops the request URL, which may carry the user's JWT,
// from transport errors.
func redactURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s: %w", ue.Op, ue.Err)
	}
	return err
}
