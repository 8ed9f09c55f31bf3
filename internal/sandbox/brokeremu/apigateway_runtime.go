package brokeremu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

const (
	lambdaAPIPrefix    = "/2018-06-01/runtime/"
	lambdaMaxPayload   = 6 << 20 // synchronous invocation payload quota (6 MB)
	lambdaErrTypeField = "Lambda-Runtime-Function-Error-Type"
)

// apigwInvocation is one invocation of the function, queued until a runtime
// polls /runtime/invocation/next.
type apigwInvocation struct {
	id      string
	event   []byte
	traceID string
	done    chan apigwResult // buffered: the one result
}

// apigwResult is what the runtime reported for an invocation.
type apigwResult struct {
	payload []byte
	failed  bool // /error, an error trailer, or an oversized response
}

// apigwOutcome classifies the end of an integration request.
type apigwOutcome int

const (
	apigwAnswered apigwOutcome = iota
	apigwFailed
	apigwTimedOut
	apigwGone // the client went away
)

// respond runs the Lambda proxy integration and writes the method response.
func (g *APIGateway) respond(w http.ResponseWriter, r *http.Request, event []byte, traceRoot string) {
	res, outcome := apigwResult{}, apigwFailed
	if len(event) <= lambdaMaxPayload { // Lambda refuses larger events
		res, outcome = g.invoke(r.Context(), event, traceRoot)
	}
	switch outcome {
	case apigwAnswered:
		g.writeProxy(w, res.payload, traceRoot)
	case apigwTimedOut:
		apigwWriteError(w, http.StatusGatewayTimeout, "", "Endpoint request timed out")
	case apigwGone:
		return
	default:
		apigwWriteError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
	}
}

// invoke queues an invocation for the next polling runtime and waits for
// its result within the integration timeout (queueing included).
func (g *APIGateway) invoke(ctx context.Context, event []byte, traceRoot string) (apigwResult, apigwOutcome) {
	inv := &apigwInvocation{
		id: awsRequestID(), event: event, done: make(chan apigwResult, 1),
		traceID: "Root=" + traceRoot + ";Parent=" + awsRandom("0123456789abcdef", 16) + ";Sampled=0",
	}
	timer := time.NewTimer(g.opts.Timeout)
	defer timer.Stop()
	select {
	case g.queue <- inv:
	case <-g.initErr: // an init error is served in response to the first invoke
		return apigwResult{}, apigwFailed
	case <-timer.C:
		return apigwResult{}, apigwTimedOut
	case <-ctx.Done():
		return apigwResult{}, apigwGone
	case <-g.closed:
		return apigwResult{}, apigwFailed
	}
	select {
	case res := <-inv.done:
		if res.failed {
			return res, apigwFailed
		}
		return res, apigwAnswered
	case <-timer.C:
		return apigwResult{}, apigwTimedOut
	case <-ctx.Done():
		return apigwResult{}, apigwGone
	case <-g.closed:
		return apigwResult{}, apigwFailed
	}
}

// serveRuntime is the Lambda Runtime API, version 2018-06-01.
func (g *APIGateway) serveRuntime(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, lambdaAPIPrefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	want := http.MethodPost
	if rest == "invocation/next" {
		want = http.MethodGet
	}
	id, action, isInvocation := lambdaInvocationPath(rest)
	if rest != "invocation/next" && rest != "init/error" && !isInvocation {
		http.NotFound(w, r)
		return
	}
	if r.Method != want {
		w.Header().Set("Allow", want)
		lambdaWriteError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "method not allowed")
		return
	}
	switch rest {
	case "invocation/next":
		g.serveNext(w, r)
	case "init/error":
		g.serveInitError(w, r)
	default:
		g.serveInvocationResult(w, r, id, action == "error")
	}
}

// lambdaInvocationPath splits "invocation/{AwsRequestId}/response|error".
func lambdaInvocationPath(rest string) (id, action string, ok bool) {
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[0] != "invocation" || parts[1] == "" ||
		(parts[2] != "response" && parts[2] != "error") {
		return "", "", false
	}
	return parts[1], parts[2], true
}

// serveNext long-polls until an invocation is queued, then hands it over.
func (g *APIGateway) serveNext(w http.ResponseWriter, r *http.Request) {
	g.setPolling(+1)
	defer g.setPolling(-1)
	select {
	case inv := <-g.queue:
		deadline := time.Now().Add(g.opts.Timeout) // the runtime's own clock, not the emulated one
		g.mu.Lock()
		g.inflight[inv.id] = inv
		g.invocations++
		g.mu.Unlock()
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Lambda-Runtime-Aws-Request-Id", inv.id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", g.FunctionARN())
		h.Set("Lambda-Runtime-Trace-Id", inv.traceID)
		_, _ = w.Write(inv.event)
	case <-r.Context().Done():
	case <-g.closed:
		lambdaWriteError(w, http.StatusInternalServerError, "Runtime.ContainerError", "the execution environment is shutting down")
	}
}

func (g *APIGateway) setPolling(delta int) {
	g.mu.Lock()
	g.polling += delta
	g.mu.Unlock()
}

// serveInvocationResult accepts /response or /error for an invocation.
func (g *APIGateway) serveInvocationResult(w http.ResponseWriter, r *http.Request, id string, isError bool) {
	g.mu.Lock()
	inv, ok := g.inflight[id]
	delete(g.inflight, id)
	g.mu.Unlock()
	if !ok {
		lambdaWriteError(w, http.StatusBadRequest, "InvalidRequestID", "Invalid request ID")
		return
	}
	payload, err := io.ReadAll(io.LimitReader(r.Body, lambdaMaxPayload+1))
	switch {
	case err != nil:
		inv.done <- apigwResult{failed: true}
		lambdaWriteError(w, http.StatusBadRequest, "InvalidPayload", "read payload: "+err.Error())
		return
	case len(payload) > lambdaMaxPayload:
		inv.done <- apigwResult{failed: true}
		lambdaWriteError(w, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge",
			fmt.Sprintf("Exceeded maximum allowed payload size (%d bytes).", lambdaMaxPayload))
		return
	}
	// A streamed response that failed midway carries its error as trailers,
	// readable once the body reached EOF.
	failed := isError || r.Trailer.Get(lambdaErrTypeField) != ""
	inv.done <- apigwResult{payload: payload, failed: failed}
	lambdaWriteStatus(w)
}

// serveInitError records an initialization error; the next invoke fails.
func (g *APIGateway) serveInitError(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, lambdaMaxPayload))
	select {
	case g.initErr <- struct{}{}:
	default: // one is already pending
	}
	lambdaWriteStatus(w)
}

// lambdaWriteStatus writes the Runtime API's 202 {"status":"OK"}.
func lambdaWriteStatus(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_ = json.NewEncoder(w).Encode(map[string]string{"status": "OK"})
}

// lambdaWriteError writes a Runtime API ErrorResponse.
func lambdaWriteError(w http.ResponseWriter, status int, errType, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"errorMessage": message, "errorType": errType})
}

// apigwProxyResponse is the Lambda proxy integration output; any other
// field makes it malformed.
type apigwProxyResponse struct {
	StatusCode        *int                `json:"statusCode"`
	Headers           map[string]string   `json:"headers"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              *string             `json:"body"`
	IsBase64Encoded   bool                `json:"isBase64Encoded"`
}

// apigwParseProxyResponse parses a function's proxy response; an error means
// API Gateway's "Malformed Lambda proxy response".
func apigwParseProxyResponse(payload []byte) (apigwProxyResponse, error) {
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var resp apigwProxyResponse
	if err := dec.Decode(&resp); err != nil {
		return apigwProxyResponse{}, fmt.Errorf("malformed lambda proxy response: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apigwProxyResponse{}, errors.New("malformed lambda proxy response: trailing data")
	}
	if resp.StatusCode == nil || *resp.StatusCode < 200 || *resp.StatusCode > 599 {
		return apigwProxyResponse{}, errors.New("malformed lambda proxy response: statusCode missing or out of range")
	}
	return resp, nil
}

// writeProxy maps the function's proxy response to the method response.
// Without binary media types a base64 body is returned as the text it is.
func (g *APIGateway) writeProxy(w http.ResponseWriter, payload []byte, traceRoot string) {
	if g.opts.PayloadVersion == apigwPayloadV2 {
		g.writeProxyV2(w, payload, traceRoot)
		return
	}
	resp, err := apigwParseProxyResponse(payload)
	if err != nil {
		apigwWriteError(w, http.StatusBadGateway, "InternalServerErrorException", "Internal server error")
		return
	}
	h := w.Header()
	for k, vs := range resp.MultiValueHeaders {
		for _, v := range vs {
			apigwAddHeader(h, k, v)
		}
	}
	for k, v := range resp.Headers {
		if !slices.Contains(resp.MultiValueHeaders[k], v) {
			apigwAddHeader(h, k, v)
		}
	}
	if h.Get("Content-Type") == "" {
		h.Set("Content-Type", "application/json")
	}
	h.Set("X-Amz-Apigw-Id", awsRandom(awsAlnumUpper, 15)+"=")
	h.Set("X-Amzn-Trace-Id", "Root="+traceRoot+";Sampled=0")
	w.WriteHeader(*resp.StatusCode)
	if resp.Body != nil {
		_, _ = io.WriteString(w, *resp.Body)
	}
}

// apigwAddHeader adds a function's response header the way API Gateway
// does: reserved ones are renamed x-amzn-Remapped-<name>, hop-by-hop ones
// dropped, and the gateway's own request id kept.
func apigwAddHeader(h http.Header, k, v string) {
	switch http.CanonicalHeaderKey(k) {
	case "Authorization", "Connection", "Content-Length", "Date", "Server", "Www-Authenticate":
		h.Add("X-Amzn-Remapped-"+k, v)
	case "Transfer-Encoding", "Trailer", "Te", "Upgrade", "Keep-Alive", "Proxy-Authenticate", "Via", "Host", "X-Amzn-Requestid":
	default:
		h.Add(k, v)
	}
}

// apigwWriteError writes a gateway response: {"message"} with
// x-amzn-ErrorType when code is set.
func apigwWriteError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	if code != "" {
		w.Header().Set("X-Amzn-ErrorType", code)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": message})
}

// apigwIdentity is the requestContext.identity of an IAM-authorized call
// (p set) or of a public route's (p nil: the source only).
func apigwIdentity(p *awsemu.Principal, r *http.Request) events.APIGatewayRequestIdentity {
	if p == nil {
		return events.APIGatewayRequestIdentity{SourceIP: apigwClientIP(r), UserAgent: r.UserAgent()}
	}
	arn := p.AssumedRoleARN
	account := ""
	if parts := strings.SplitN(arn, ":", 6); len(parts) == 6 {
		account = parts[4]
	}
	caller := apigwCallerID(p)
	return events.APIGatewayRequestIdentity{
		AccountID: account, Caller: caller, User: caller, AccessKey: p.AccessKeyID,
		UserArn: arn, SourceIP: apigwClientIP(r), UserAgent: r.UserAgent(),
	}
}

// apigwCallerID is an assumed-role caller's "<role id>:<session name>",
// API Gateway's caller and user (1.0) or callerId and userId (2.0).
func apigwCallerID(p *awsemu.Principal) string { return awsRoleID(p.RoleARN) + ":" + p.SessionName }

// apigwClientIP is the client's address without its port.
func apigwClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// apigwLast keeps the last value of each key (API Gateway's single-value
// maps).
func apigwLast(m map[string][]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		if len(v) > 0 {
			out[k] = v[len(v)-1]
		}
	}
	return out
}

// apigwTraceRoot is an X-Ray trace root, 1-<epoch hex>-<96-bit hex>.
func apigwTraceRoot(t time.Time) string {
	return fmt.Sprintf("1-%08x-%s", t.Unix(), awsRandom("0123456789abcdef", 24))
}
