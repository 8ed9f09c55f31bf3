package brokeremu

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// apigwTestRoutes are the broker's routes plus parameterised ones.
func apigwTestRoutes() []string {
	return []string{
		"GET /applications", "POST /applications", "DELETE /applications", "GET /credentials",
		"GET /items/{id}", "ANY /files/{path+}",
	}
}

// apigwFixture is the AWS emulator plus an API Gateway in front of it.
type apigwFixture struct {
	*awsFixture
	g *APIGateway
}

func apigwStart(t *testing.T, mutate func(*APIGatewayOptions)) *apigwFixture {
	t.Helper()
	f := awsStart(t, nil)
	o := APIGatewayOptions{AWS: f.aws, Routes: apigwTestRoutes(), Timeout: 10 * time.Second}
	if mutate != nil {
		mutate(&o)
	}
	g, err := NewAPIGateway(o)
	if err != nil {
		t.Fatalf("NewAPIGateway: %v", err)
	}
	t.Cleanup(g.Close)
	return &apigwFixture{awsFixture: f, g: g}
}

// roleCreds issues emulator credentials for an assumed-role session of role
// name, valid for ttl (negative: already expired).
func (fx *apigwFixture) roleCreds(name, session string, ttl time.Duration) aws.Credentials {
	c := fx.aws.IssueRoleSession(fx.aws.roleARN(name), session, "plain-role", ttl, nil, nil)
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// apigwCall is one client request to the API.
type apigwCall struct {
	method, path, body string
	creds              *aws.Credentials
	service            string // SigV4 signing name, default execute-api
	signedBody         *string
	header             http.Header // sent (and signed) as well
}

// do sends c (signed when c.creds is set) and returns the response with its
// body read.
func (fx *apigwFixture) do(t *testing.T, c apigwCall) (*http.Response, []byte) {
	t.Helper()
	resp, b, err := fx.send(c)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// send is do for goroutines other than the test's.
func (fx *apigwFixture) send(c apigwCall) (*http.Response, []byte, error) {
	req, err := http.NewRequest(c.method, strings.TrimSuffix(fx.g.URL(), "/"+fx.g.opts.Stage)+c.path, strings.NewReader(c.body))
	if err != nil {
		return nil, nil, err
	}
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	if c.creds != nil {
		signed := c.body
		if c.signedBody != nil {
			signed = *c.signedBody
		}
		sum := sha256.Sum256([]byte(signed))
		service := c.service
		if service == "" {
			service = "execute-api"
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), *c.creds, req, hex.EncodeToString(sum[:]), service, "us-east-1", fx.clock.Now()); err != nil {
			return nil, nil, err
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", c.method, c.path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// apigwMessage decodes a gateway response body {"message"}.
func apigwMessage(t *testing.T, b []byte) string {
	t.Helper()
	var v struct{ Message *string }
	if err := json.Unmarshal(b, &v); err != nil || v.Message == nil {
		t.Fatalf("gateway response %q is not {\"message\"}: %v", b, err)
	}
	return *v.Message
}

// apigwFunc is a function's behaviour in the plain net/http test runtime:
// the action ("response", "error", "trailer" for a response whose stream
// failed, "" to never answer) and the payload.
type apigwFunc func(ev events.APIGatewayProxyRequest, h http.Header) (action string, payload []byte)

// apigwRawFunc is apigwFunc for an event of any payload format, undecoded.
type apigwRawFunc func(event []byte, h http.Header) (action string, payload []byte)

// apigwRuntime drives the Runtime API the way a runtime does: GET next,
// run the function, POST the result, repeat.
type apigwRuntime struct {
	mu     sync.Mutex
	posted []int // statuses of the result POSTs
}

func (fx *apigwFixture) runRuntimes(t *testing.T, n int, fn apigwFunc) *apigwRuntime {
	t.Helper()
	return fx.runRawRuntimes(t, n, func(event []byte, h http.Header) (string, []byte) {
		var ev events.APIGatewayProxyRequest
		_ = json.Unmarshal(event, &ev)
		return fn(ev, h)
	})
}

func (fx *apigwFixture) runRawRuntimes(t *testing.T, n int, fn apigwRawFunc) *apigwRuntime {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	client := &http.Client{Transport: &http.Transport{}}
	rt := &apigwRuntime{}
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt.loop(ctx, client, "http://"+fx.g.RuntimeAPI()+lambdaAPIPrefix+"invocation/", fn)
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait(); client.CloseIdleConnections() })
	return rt
}

func (rt *apigwRuntime) loop(ctx context.Context, client *http.Client, base string, fn apigwRawFunc) {
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"next", nil)
		resp, err := client.Do(req)
		if err != nil {
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return
		}
		action, payload := fn(body, resp.Header)
		if action == "" {
			continue
		}
		suffix := "/response"
		if action == "error" {
			suffix = "/error"
		}
		post, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+resp.Header.Get("Lambda-Runtime-Aws-Request-Id")+suffix, bytes.NewReader(payload))
		if action == "trailer" {
			post.Body = io.NopCloser(bytes.NewReader(payload)) // unknown length: chunked, with trailers
			post.ContentLength = -1
			post.Trailer = http.Header{lambdaErrTypeField: {"Runtime.StreamError"}}
		}
		r2, err := client.Do(post)
		if err != nil {
			return
		}
		_, _ = io.Copy(io.Discard, r2.Body)
		r2.Body.Close()
		rt.mu.Lock()
		rt.posted = append(rt.posted, r2.StatusCode)
		rt.mu.Unlock()
	}
}

// waitStatuses returns the POST statuses once n are recorded (the client
// may get its answer before the runtime reads its 202), or after 5 s.
func (rt *apigwRuntime) waitStatuses(n int) []int {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		rt.mu.Lock()
		got := append([]int(nil), rt.posted...)
		rt.mu.Unlock()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
	}
}

// apigwEcho answers with the event itself as the body, status 201 and
// single- and multi-value headers.
func apigwEcho(runtimeHeaders chan<- http.Header) apigwFunc {
	return func(ev events.APIGatewayProxyRequest, h http.Header) (string, []byte) {
		if runtimeHeaders != nil {
			runtimeHeaders <- h
		}
		body, _ := json.Marshal(ev)
		resp, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 201, Body: string(body),
			Headers:           map[string]string{"X-Echo": "1", "Content-Length": "999"},
			MultiValueHeaders: map[string][]string{"Set-Cookie": {"a=1", "b=2"}}})
		return "response", resp
	}
}

func TestAPIGatewayProxiesSignedRequest(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	runtimeHeaders := make(chan http.Header, 1)
	fx.runRuntimes(t, 1, apigwEcho(runtimeHeaders))
	creds := fx.roleCreds("App", "app-sess", time.Hour)
	start := time.Now()
	resp, b := fx.do(t, apigwCall{method: http.MethodPost, path: "/prod/applications?b=x&a=1&a=2", body: `{"AccessRoleName":"r"}`, creds: &creds})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("status = %d, body %s", resp.StatusCode, b)
	}
	if got := resp.Header.Values("Set-Cookie"); strings.Join(got, ",") != "a=1,b=2" || resp.Header.Get("X-Echo") != "1" {
		t.Errorf("function headers not mapped: %v", resp.Header)
	}
	if resp.Header.Get("Content-Type") != "application/json" || resp.Header.Get("X-Amzn-Remapped-Content-Length") != "999" {
		t.Errorf("default content type / remapped content length wrong: %v", resp.Header)
	}
	var ev events.APIGatewayProxyRequest
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("echoed event: %v", err)
	}
	id := ev.RequestContext.Identity
	checks := map[string][2]any{
		"httpMethod":         {ev.HTTPMethod, "POST"},
		"path":               {ev.Path, "/applications"},
		"resource":           {ev.Resource, "/applications"},
		"body":               {ev.Body, `{"AccessRoleName":"r"}`},
		"query a":            {ev.QueryStringParameters["a"], "2"},
		"multi query a":      {strings.Join(ev.MultiValueQueryStringParameters["a"], ","), "1,2"},
		"query b":            {ev.QueryStringParameters["b"], "x"},
		"context path":       {ev.RequestContext.Path, "/prod/applications"},
		"context stage":      {ev.RequestContext.Stage, "prod"},
		"context resource":   {ev.RequestContext.ResourcePath, "/applications"},
		"context account":    {ev.RequestContext.AccountID, "123456789012"},
		"request id header":  {ev.RequestContext.RequestID, resp.Header.Get("X-Amzn-RequestId")},
		"userArn":            {id.UserArn, "arn:aws:sts::123456789012:assumed-role/App/app-sess"},
		"caller":             {id.Caller, awsRoleID(fx.aws.roleARN("App")) + ":app-sess"},
		"user":               {id.User, id.Caller},
		"identity account":   {id.AccountID, "123456789012"},
		"accessKey":          {id.AccessKey, creds.AccessKeyID},
		"sourceIp":           {id.SourceIP, "127.0.0.1"},
		"authorization sent": {strings.HasPrefix(ev.Headers["Authorization"], "AWS4-HMAC-SHA256 "), true},
		"forwarded for":      {ev.Headers["X-Forwarded-For"], "127.0.0.1"},
		"base64":             {ev.IsBase64Encoded, false},
	}
	apigwCheck(t, checks)
	if !strings.HasPrefix(id.Caller, "AROA") || ev.RequestContext.APIID == "" || ev.RequestContext.ResourceID == "" {
		t.Errorf("identity/context ids malformed: caller %q api %q resource %q", id.Caller, ev.RequestContext.APIID, ev.RequestContext.ResourceID)
	}
	h := <-runtimeHeaders
	if got := h.Get("Lambda-Runtime-Invoked-Function-Arn"); got != "arn:aws:lambda:us-east-1:123456789012:function:tip-broker" || got != fx.g.FunctionARN() {
		t.Errorf("function ARN = %q", got)
	}
	var ms int64
	if _, err := fmt.Sscan(h.Get("Lambda-Runtime-Deadline-Ms"), &ms); err != nil || ms < start.Add(9*time.Second).UnixMilli() || ms > time.Now().Add(10*time.Second).UnixMilli() {
		t.Errorf("deadline = %q, want about now+10s", h.Get("Lambda-Runtime-Deadline-Ms"))
	}
	if reqID := h.Get("Lambda-Runtime-Aws-Request-Id"); reqID == "" || reqID == ev.RequestContext.RequestID {
		t.Errorf("lambda request id %q must be set and differ from the API request id", reqID)
	}
	if !strings.HasPrefix(h.Get("Lambda-Runtime-Trace-Id"), "Root=1-") {
		t.Errorf("trace id = %q", h.Get("Lambda-Runtime-Trace-Id"))
	}
	if fx.g.Invocations() != 1 {
		t.Errorf("Invocations() = %d, want 1", fx.g.Invocations())
	}
}

func TestAPIGatewayRoutesResources(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	fx.runRuntimes(t, 1, apigwEcho(nil))
	creds := fx.roleCreds("App", "s", time.Hour)
	tests := []struct {
		method, path, resource, params string
	}{
		{http.MethodGet, "/prod/items/42", "/items/{id}", `{"id":"42"}`},
		{http.MethodPut, "/prod/files/a/b/c.txt", "/files/{path+}", `{"path":"a/b/c.txt"}`},
		{http.MethodDelete, "/prod/applications", "/applications", `null`},
		{http.MethodGet, "/prod/credentials?jwt=a.b.c", "/credentials", `null`},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, b := fx.do(t, apigwCall{method: tt.method, path: tt.path, creds: &creds})
			var ev events.APIGatewayProxyRequest
			if err := json.Unmarshal(b, &ev); err != nil || resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d body %s: %v", resp.StatusCode, b, err)
			}
			params, _ := json.Marshal(ev.PathParameters)
			if ev.Resource != tt.resource || string(params) != tt.params || ev.HTTPMethod != tt.method {
				t.Errorf("resource %q params %s method %s; want %q %s %s", ev.Resource, params, ev.HTTPMethod, tt.resource, tt.params, tt.method)
			}
		})
	}
}

func TestAPIGatewayRefusesBeforeIntegration(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	good := fx.roleCreds("App", "s", time.Hour)
	wrongSecret := good
	wrongSecret.SecretAccessKey = strings.Repeat("x", 40)
	unknown := aws.Credentials{AccessKeyID: "ASIAUNKNOWNUNKNOWN12", SecretAccessKey: "x", SessionToken: "y"}
	expired := fx.roleCreds("App", "old", -time.Minute)
	other := "other body"
	const missing, badSig = "Missing Authentication Token", "The request signature we calculated does not match"
	tests := []struct {
		name    string
		call    apigwCall
		bearer  bool
		code    string
		message string
	}{
		{name: "unsigned", call: apigwCall{method: "GET", path: "/prod/applications"}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "wrong secret", call: apigwCall{method: "GET", path: "/prod/applications", creds: &wrongSecret}, code: "InvalidSignatureException", message: badSig},
		{name: "unknown key", call: apigwCall{method: "GET", path: "/prod/applications", creds: &unknown}, code: "UnrecognizedClientException", message: "The security token included in the request is invalid."},
		{name: "expired", call: apigwCall{method: "GET", path: "/prod/applications", creds: &expired}, code: "ExpiredTokenException", message: "expired"},
		{name: "signed for sts", call: apigwCall{method: "GET", path: "/prod/applications", creds: &good, service: "sts"}, code: "InvalidSignatureException", message: "execute-api"},
		{name: "tampered body", call: apigwCall{method: "POST", path: "/prod/applications", body: "{}", creds: &good, signedBody: &other}, code: "InvalidSignatureException", message: badSig},
		{name: "bearer", call: apigwCall{method: "GET", path: "/prod/applications"}, bearer: true, code: "IncompleteSignatureException", message: "requires 'Credential'"},
		{name: "unknown route", call: apigwCall{method: "GET", path: "/prod/admin", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "wrong method", call: apigwCall{method: "PUT", path: "/prod/applications", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "wrong stage", call: apigwCall{method: "GET", path: "/dev/applications", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "stage prefix only", call: apigwCall{method: "GET", path: "/production/applications", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "trailing slash", call: apigwCall{method: "GET", path: "/prod/applications/", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
		{name: "root", call: apigwCall{method: "GET", path: "/prod", creds: &good}, code: "MissingAuthenticationTokenException", message: missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.bearer {
				req, _ := http.NewRequest(tt.call.method, strings.TrimSuffix(fx.g.URL(), "/prod")+tt.call.path, nil)
				req.Header.Set("Authorization", "Bearer abc")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				apigwCheckRefusal(t, resp, b, tt.code, tt.message)
				return
			}
			resp, b := fx.do(t, tt.call)
			apigwCheckRefusal(t, resp, b, tt.code, tt.message)
		})
	}
	if n := fx.g.Invocations(); n != 0 {
		t.Errorf("Invocations() = %d, refused requests must not reach the function", n)
	}
}

func apigwCheckRefusal(t *testing.T, resp *http.Response, b []byte, code, message string) {
	t.Helper()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("status = %d, want 403", resp.StatusCode)
	}
	if got := resp.Header.Get("X-Amzn-ErrorType"); got != code {
		t.Errorf("x-amzn-ErrorType = %q, want %q", got, code)
	}
	if resp.Header.Get("X-Amzn-RequestId") == "" {
		t.Error("x-amzn-RequestId missing")
	}
	if msg := apigwMessage(t, b); !strings.Contains(msg, message) {
		t.Errorf("message = %q, want it to contain %q", msg, message)
	}
}

func TestAPIGatewayPayloadQuota(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	resp, b := fx.do(t, apigwCall{method: "POST", path: "/prod/applications", body: strings.Repeat("x", apigwMaxBody+1)})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d (%s), want 413", resp.StatusCode, b)
	}
}
