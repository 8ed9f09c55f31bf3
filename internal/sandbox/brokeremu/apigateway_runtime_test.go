package brokeremu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

func TestAPIGatewayIntegrationFailures(t *testing.T) {
	t.Parallel()
	fixed := func(action, payload string) apigwFunc {
		return func(events.APIGatewayProxyRequest, http.Header) (string, []byte) { return action, []byte(payload) }
	}
	tests := []struct {
		name    string
		fn      apigwFunc // nil: no runtime polls
		status  int
		message string
		posted  int // status the runtime got for its POST (0: none)
		timeout time.Duration
	}{
		{name: "function error", fn: fixed("error", `{"errorMessage":"boom","errorType":"errorString"}`), status: 502, message: "Internal server error", posted: 202},
		{name: "stream error trailer", fn: fixed("trailer", `{"statusCode":200,"body":"half`), status: 502, message: "Internal server error", posted: 202},
		{name: "not json", fn: fixed("response", `hello`), status: 502, message: "Internal server error", posted: 202},
		{name: "null", fn: fixed("response", `null`), status: 502, message: "Internal server error", posted: 202},
		{name: "extra field", fn: fixed("response", `{"statusCode":200,"body":"x","extra":1}`), status: 502, message: "Internal server error", posted: 202},
		{name: "missing statusCode", fn: fixed("response", `{"body":"x"}`), status: 502, message: "Internal server error", posted: 202},
		{name: "body not a string", fn: fixed("response", `{"statusCode":200,"body":{}}`), status: 502, message: "Internal server error", posted: 202},
		{name: "trailing data", fn: fixed("response", `{"statusCode":200}{}`), status: 502, message: "Internal server error", posted: 202},
		{name: "response too large", fn: fixed("response", `{"statusCode":200,"body":"`+strings.Repeat("x", lambdaMaxPayload)+`"}`), status: 502, message: "Internal server error", posted: 413},
		{name: "function never answers", fn: fixed("", ""), status: 504, message: "Endpoint request timed out", timeout: 300 * time.Millisecond},
		{name: "no runtime", status: 504, message: "Endpoint request timed out", timeout: 300 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel() // one gateway per case
			fx := apigwStart(t, func(o *APIGatewayOptions) {
				if tt.timeout > 0 {
					o.Timeout = tt.timeout
				}
			})
			var rt *apigwRuntime
			if tt.fn != nil {
				rt = fx.runRuntimes(t, 1, tt.fn)
			}
			creds := fx.roleCreds("App", "s", time.Hour)
			resp, b := fx.do(t, apigwCall{method: "GET", path: "/prod/credentials?jwt=x", creds: &creds})
			if resp.StatusCode != tt.status || apigwMessage(t, b) != tt.message {
				t.Errorf("got %d %s, want %d %q", resp.StatusCode, b, tt.status, tt.message)
			}
			if tt.posted != 0 {
				if got := rt.waitStatuses(1); len(got) != 1 || got[0] != tt.posted {
					t.Errorf("runtime POST statuses = %v, want [%d]", got, tt.posted)
				}
			}
		})
	}
}

func TestAPIGatewayQueuesConcurrentRequests(t *testing.T) {
	t.Parallel()
	for _, runtimes := range []int{1, 3} {
		t.Run(fmt.Sprintf("%d runtimes", runtimes), func(t *testing.T) {
			fx := apigwStart(t, nil)
			var running, peak atomic.Int32
			fx.runRuntimes(t, runtimes, func(ev events.APIGatewayProxyRequest, _ http.Header) (string, []byte) {
				n := running.Add(1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(3 * time.Millisecond)
				running.Add(-1)
				b, _ := json.Marshal(events.APIGatewayProxyResponse{StatusCode: 200, Body: ev.QueryStringParameters["n"]})
				return "response", b
			})
			creds := fx.roleCreds("App", "s", time.Hour)
			const requests = 20
			var wg sync.WaitGroup
			errs := make(chan string, requests)
			for i := range requests {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, b, err := fx.send(apigwCall{method: "GET", path: fmt.Sprintf("/prod/credentials?n=%d", i), creds: &creds})
					switch {
					case err != nil:
						errs <- fmt.Sprintf("request %d: %v", i, err)
					case resp.StatusCode != 200 || string(b) != fmt.Sprint(i):
						errs <- fmt.Sprintf("request %d: %d %q", i, resp.StatusCode, b)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
			if p := int(peak.Load()); p > runtimes || (runtimes == 1 && p != 1) {
				t.Errorf("peak concurrent invocations = %d with %d runtimes", p, runtimes)
			}
			if n := fx.g.Invocations(); n != requests {
				t.Errorf("Invocations() = %d, want %d", n, requests)
			}
		})
	}
}

// apigwRuntimeDo sends one raw Runtime API request.
func apigwRuntimeDo(t *testing.T, g *APIGateway, method, path, body string) (*http.Response, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(method, "http://"+g.RuntimeAPI()+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]string
	_ = json.NewDecoder(resp.Body).Decode(&v)
	return resp, v
}

func TestLambdaRuntimeAPIProtocol(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, func(o *APIGatewayOptions) { o.Timeout = 2 * time.Second })
	creds := fx.roleCreds("App", "s", time.Hour)
	const inv = lambdaAPIPrefix + "invocation/"
	tests := []struct {
		method, path string
		status       int
		errorType    string
	}{
		{"POST", inv + "no-such-id/response", 400, "InvalidRequestID"},
		{"POST", inv + "no-such-id/error", 400, "InvalidRequestID"},
		{"GET", inv + "no-such-id/response", 405, "MethodNotAllowed"},
		{"POST", inv + "next", 405, "MethodNotAllowed"},
		{"GET", lambdaAPIPrefix + "init/error", 405, "MethodNotAllowed"},
		{"GET", inv + "x/y/response", 404, ""},
		{"GET", "/2015-03-31/functions/f/invocations", 404, ""},
	}
	for _, tt := range tests {
		resp, v := apigwRuntimeDo(t, fx.g, tt.method, tt.path, "{}")
		if resp.StatusCode != tt.status || v["errorType"] != tt.errorType {
			t.Errorf("%s %s = %d %v, want %d %q", tt.method, tt.path, resp.StatusCode, v, tt.status, tt.errorType)
		}
	}

	// One invocation by hand: next, response, a second response is refused.
	type answer struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		resp, b, err := fx.send(apigwCall{method: "GET", path: "/prod/applications", creds: &creds})
		if err != nil {
			done <- answer{err: err}
			return
		}
		done <- answer{resp.StatusCode, b, nil}
	}()
	resp, err := http.Get("http://" + fx.g.RuntimeAPI() + inv + "next")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("Lambda-Runtime-Aws-Request-Id")
	ok := `{"statusCode":200,"headers":{"Content-Type":"text/plain"},"body":"registered"}`
	if r, v := apigwRuntimeDo(t, fx.g, "POST", inv+id+"/response", ok); r.StatusCode != 202 || v["status"] != "OK" {
		t.Fatalf("response POST = %d %v, want 202 {status: OK}", r.StatusCode, v)
	}
	if a := <-done; a.err != nil || a.status != 200 || string(a.body) != "registered" {
		t.Errorf("client got %d %q (%v)", a.status, a.body, a.err)
	}
	if r, v := apigwRuntimeDo(t, fx.g, "POST", inv+id+"/response", ok); r.StatusCode != 400 || v["errorType"] != "InvalidRequestID" {
		t.Errorf("second response POST = %d %v, want 400 InvalidRequestID", r.StatusCode, v)
	}

	// An init error is served in response to the next invoke.
	if r, v := apigwRuntimeDo(t, fx.g, "POST", lambdaAPIPrefix+"init/error", `{"errorMessage":"no config","errorType":"InitError"}`); r.StatusCode != 202 || v["status"] != "OK" {
		t.Fatalf("init/error = %d %v, want 202", r.StatusCode, v)
	}
	if r, b := fx.do(t, apigwCall{method: "GET", path: "/prod/applications", creds: &creds}); r.StatusCode != 502 || apigwMessage(t, b) != "Internal server error" {
		t.Errorf("invoke after init error = %d %s, want 502", r.StatusCode, b)
	}
	if n := fx.g.Invocations(); n != 1 {
		t.Errorf("Invocations() = %d, want 1", n)
	}
}

func TestAPIGatewayCloseReleasesWaiters(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	polled := make(chan int, 1)
	go func() {
		resp, err := http.Get("http://" + fx.g.RuntimeAPI() + lambdaAPIPrefix + "invocation/next")
		if err != nil {
			polled <- -1
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	fx.g.waitPolling(t, 1) // the poll is pending: Close must answer it
	fx.g.Close()
	select {
	case s := <-polled:
		if s != http.StatusInternalServerError {
			t.Errorf("pending next after Close = %d, want 500", s)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a pending /next poll survived Close")
	}
}

func TestNewAPIGatewayRejectsBadOptions(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	tests := []struct {
		name   string
		opts   APIGatewayOptions
		errSub string
	}{
		{"no emulator", APIGatewayOptions{Routes: []string{"GET /a"}}, "AWS emulator is required"},
		{"bad method", APIGatewayOptions{AWS: f.aws, Routes: []string{"FETCH /a"}}, "METHOD"},
		{"no method", APIGatewayOptions{AWS: f.aws, Routes: []string{"/a"}}, "METHOD"},
		{"relative path", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET a"}}, "must start with /"},
		{"empty segment", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET /a//b"}}, "empty path segment"},
		{"trailing slash", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET /a/"}}, "empty path segment"},
		{"empty parameter", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET /{}"}}, "empty path parameter"},
		{"greedy not last", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET /{p+}/x"}}, "last segment"},
		{"malformed segment", APIGatewayOptions{AWS: f.aws, Routes: []string{"GET /a{b}"}}, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := NewAPIGateway(tt.opts)
			if err == nil {
				g.Close()
				t.Fatal("NewAPIGateway accepted the options")
			}
			if !strings.Contains(err.Error(), tt.errSub) {
				t.Errorf("error %q does not mention %q", err, tt.errSub)
			}
		})
	}
}

// apigwChildEnv marks the re-executed test binary that runs a real
// aws-lambda-go runtime (lambda.StartWithOptions) against the emulator.
const apigwChildEnv = "TIP_SANDBOX_LAMBDA_CHILD"

// TestAPIGatewayLambdaChild is the function process of
// TestAPIGatewayRealLambdaRuntime; it does nothing in a normal run.
func TestAPIGatewayLambdaChild(t *testing.T) {
	if os.Getenv(apigwChildEnv) != "1" {
		t.Skip("helper process of TestAPIGatewayRealLambdaRuntime")
	}
	lambda.StartWithOptions(func(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
		if ev.Path == "/files/boom" {
			return events.APIGatewayProxyResponse{}, errors.New("boom")
		}
		lc, _ := lambdacontext.FromContext(ctx)
		_, hasDeadline := ctx.Deadline()
		body, err := json.Marshal(map[string]any{"event": ev, "functionArn": lc.InvokedFunctionArn, "requestId": lc.AwsRequestID, "deadline": hasDeadline})
		return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(body), Headers: map[string]string{"Content-Type": "application/json"}}, err
	}, lambda.WithContext(context.Background()))
}

func TestAPIGatewayRealLambdaRuntime(t *testing.T) {
	t.Parallel()
	fx := apigwStart(t, nil)
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestAPIGatewayLambdaChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), apigwChildEnv+"=1", "AWS_LAMBDA_RUNTIME_API="+fx.g.RuntimeAPI(), "AWS_LAMBDA_FUNCTION_NAME=tip-broker")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the lambda runtime process: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("runtime process output:\n%s", out.String())
		}
	})
	creds := fx.roleCreds("App", "app-sess", time.Hour)
	for i := range 2 { // the runtime loops: a second invocation reuses it
		resp, b := fx.do(t, apigwCall{method: "POST", path: fmt.Sprintf("/prod/files/a/%d?x=%d", i, i), body: `{"k":"v"}`, creds: &creds})
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %s", resp.StatusCode, b)
		}
		var got struct {
			Event       events.APIGatewayProxyRequest
			FunctionArn string
			RequestID   string
			Deadline    bool
		}
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		ev := got.Event
		if ev.Path != fmt.Sprintf("/files/a/%d", i) || ev.Body != `{"k":"v"}` || ev.QueryStringParameters["x"] != fmt.Sprint(i) ||
			ev.RequestContext.Identity.UserArn != "arn:aws:sts::123456789012:assumed-role/App/app-sess" || ev.PathParameters["path"] != fmt.Sprintf("a/%d", i) {
			t.Errorf("event as the function saw it: %+v", ev)
		}
		if got.FunctionArn != fx.g.FunctionARN() || got.RequestID == "" || !got.Deadline {
			t.Errorf("lambda context: arn %q request id %q deadline %v", got.FunctionArn, got.RequestID, got.Deadline)
		}
	}
	resp, b := fx.do(t, apigwCall{method: "GET", path: "/prod/files/boom", creds: &creds})
	if resp.StatusCode != 502 || apigwMessage(t, b) != "Internal server error" {
		t.Errorf("handler error = %d %s, want 502", resp.StatusCode, b)
	}
	if n := fx.g.Invocations(); n != 3 {
		t.Errorf("Invocations() = %d, want 3", n)
	}
}

func FuzzAPIGatewayProxyResponse(f *testing.F) {
	for _, s := range []string{`{"statusCode":200,"body":"x"}`, `{"statusCode":200,"headers":{"a":"b"},"multiValueHeaders":{"a":["c"]}}`, `null`, `{"statusCode":99}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		resp, err := apigwParseProxyResponse(payload)
		if err == nil && (resp.StatusCode == nil || *resp.StatusCode < 200 || *resp.StatusCode > 599) {
			t.Fatalf("accepted status %v", resp.StatusCode)
		}
	})
}

func FuzzAPIGatewayRoute(f *testing.F) {
	f.Add("GET /items/{id}", "GET", "/items/42")
	f.Add("ANY /files/{p+}", "PUT", "/files/a/b")
	f.Add("GET /", "GET", "/")
	f.Fuzz(func(t *testing.T, route, method, path string) {
		rt, err := apigwParseRoute(route, false)
		if err != nil || !strings.HasPrefix(path, "/") {
			return
		}
		params, _, ok := rt.match(method, path)
		if !ok {
			return
		}
		for name, v := range params {
			if v == "" || !slices.ContainsFunc(rt.segments, func(s string) bool { return strings.Contains(s, name) }) {
				t.Fatalf("route %q path %q: bad parameter %q=%q", route, path, name, v)
			}
		}
	})
}

// waitPolling waits until n runtime polls are pending in serveNext.
func (g *APIGateway) waitPolling(t *testing.T, n int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		g.mu.Lock()
		got := g.polling
		g.mu.Unlock()
		if got == n {
			return
		}
	}
	t.Fatalf("no %d pending runtime polls within 5 s", n)
}
