package brokeremu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

const (
	apigwMaxBody         = 10 << 20 // API Gateway REST payload quota (10 MB)
	apigwDefaultStage    = "prod"
	apigwDefaultTimeout  = 29 * time.Second // API Gateway integration timeout
	apigwDefaultFunction = "tip-broker"
)

// APIGatewayOptions configures NewAPIGateway. Zero values get the documented
// defaults.
type APIGatewayOptions struct {
	// AWS verifies the SigV4 signatures (signing name "execute-api") against
	// credentials it issued; required.
	AWS *AWS
	// Stage is the deployment stage, the first path segment of the invoke
	// URL (default "prod").
	Stage string
	// Routes are the API's methods as "METHOD /resource/path", e.g.
	// "GET /applications". METHOD may be ANY; a path segment may be a
	// parameter "{name}" or, last, a greedy "{name+}".
	Routes []string
	// Timeout is the integration timeout (default 29 s, API Gateway's); it
	// also sets the function deadline the runtime sees.
	Timeout time.Duration
	// FunctionName names the Lambda function (default "tip-broker").
	FunctionName string
}

// apigwRoute is one API method: a resource path and an HTTP method.
type apigwRoute struct {
	method   string // GET, POST, … or ANY
	resource string // e.g. /applications/{name}
	segments []string
	id       string // API Gateway resource id
}

// APIGateway emulates an API Gateway REST API whose methods use AWS_IAM
// authorization and a Lambda proxy integration, plus the Lambda Runtime API
// (version 2018-06-01) through which the function's runtime, any process
// with AWS_LAMBDA_RUNTIME_API set to RuntimeAPI(), receives the invocations.
type APIGateway struct {
	opts   APIGatewayOptions
	aws    *AWS
	apiID  string
	routes []apigwRoute

	gwLn, rtLn   net.Listener
	gwSrv, rtSrv *http.Server

	queue     chan *apigwInvocation // unbuffered: a hand-over to a polling runtime
	initErr   chan struct{}         // a reported init error, served to the next invoke
	closed    chan struct{}
	closeOnce sync.Once

	mu          sync.Mutex
	inflight    map[string]*apigwInvocation
	invocations int
	polling     int // runtime polls waiting in serveNext (tests wait for one)
}

// NewAPIGateway starts the REST API and the Runtime API on two loopback
// listeners.
func NewAPIGateway(o APIGatewayOptions) (*APIGateway, error) {
	if o.AWS == nil {
		return nil, errors.New("api gateway: the AWS emulator is required")
	}
	o = apigwDefaults(o)
	routes := make([]apigwRoute, 0, len(o.Routes))
	for _, s := range o.Routes {
		rt, err := apigwParseRoute(s)
		if err != nil {
			return nil, fmt.Errorf("api gateway route %q: %w", s, err)
		}
		routes = append(routes, rt)
	}
	gwLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("api gateway listen: %w", err)
	}
	rtLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = gwLn.Close()
		return nil, fmt.Errorf("lambda runtime api listen: %w", err)
	}
	g := &APIGateway{
		opts: o, aws: o.AWS, apiID: awsRandom(awsAlnumLower, 10), routes: routes,
		gwLn: gwLn, rtLn: rtLn,
		queue: make(chan *apigwInvocation), initErr: make(chan struct{}, 1),
		closed: make(chan struct{}), inflight: map[string]*apigwInvocation{},
	}
	g.gwSrv = &http.Server{Handler: http.HandlerFunc(g.serveAPI), ReadHeaderTimeout: 10 * time.Second}
	g.rtSrv = &http.Server{Handler: http.HandlerFunc(g.serveRuntime), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = g.gwSrv.Serve(gwLn) }()
	go func() { _ = g.rtSrv.Serve(rtLn) }()
	return g, nil
}

func apigwDefaults(o APIGatewayOptions) APIGatewayOptions {
	if o.Stage == "" {
		o.Stage = apigwDefaultStage
	}
	if o.Timeout <= 0 {
		o.Timeout = apigwDefaultTimeout
	}
	if o.FunctionName == "" {
		o.FunctionName = apigwDefaultFunction
	}
	return o
}

// URL is the stage's invoke URL, http://127.0.0.1:PORT/<stage>.
func (g *APIGateway) URL() string { return "http://" + g.gwLn.Addr().String() + "/" + g.opts.Stage }

// RuntimeAPI is the host:port a Lambda runtime reads from
// AWS_LAMBDA_RUNTIME_API.
func (g *APIGateway) RuntimeAPI() string { return g.rtLn.Addr().String() }

// FunctionARN is the ARN of the emulated function, as the runtime receives
// it in Lambda-Runtime-Invoked-Function-Arn.
func (g *APIGateway) FunctionARN() string {
	return "arn:aws:lambda:" + g.aws.Region() + ":" + g.aws.AccountID() + ":function:" + g.opts.FunctionName
}

// Close stops both servers; pending client requests get 502 and pending
// runtime polls 500 (a container error: the runtime should exit).
func (g *APIGateway) Close() {
	g.closeOnce.Do(func() {
		close(g.closed)
		for _, srv := range []*http.Server{g.gwSrv, g.rtSrv} {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			if err := srv.Shutdown(ctx); err != nil {
				_ = srv.Close()
			}
			cancel()
		}
	})
}

// apigwMethodOK reports whether m is an API Gateway HTTP method.
func apigwMethodOK(m string) bool {
	switch m {
	case "ANY", http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete,
		http.MethodPatch, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// apigwParseRoute parses "METHOD /path/{param}/{greedy+}".
func apigwParseRoute(s string) (apigwRoute, error) {
	method, path, ok := strings.Cut(strings.TrimSpace(s), " ")
	path = strings.TrimSpace(path)
	if !ok || !apigwMethodOK(method) {
		return apigwRoute{}, errors.New(`want "METHOD /path" with METHOD one of ANY, GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS`)
	}
	if !strings.HasPrefix(path, "/") {
		return apigwRoute{}, errors.New("path must start with /")
	}
	sum := sha256.Sum256([]byte(path))
	rt := apigwRoute{method: method, resource: path, id: hex.EncodeToString(sum[:3])}
	if path == "/" {
		return rt, nil
	}
	rt.segments = strings.Split(path[1:], "/")
	for i, seg := range rt.segments {
		name, isParam := apigwParam(seg)
		switch {
		case seg == "":
			return apigwRoute{}, errors.New("empty path segment")
		case isParam && (name == "" || name == "+"):
			return apigwRoute{}, errors.New("empty path parameter name")
		case isParam && strings.HasSuffix(name, "+") && i != len(rt.segments)-1:
			return apigwRoute{}, errors.New("a greedy path parameter must be the last segment")
		case !isParam && strings.ContainsAny(seg, "{}"):
			return apigwRoute{}, fmt.Errorf("malformed path segment %q", seg)
		}
	}
	return rt, nil
}

// apigwParam returns the name inside "{name}" (with its "+" when greedy).
func apigwParam(seg string) (string, bool) {
	if len(seg) >= 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// match matches a stage-relative path; score ranks literal segments first,
// then an exact method over ANY.
func (rt apigwRoute) match(method, path string) (params map[string]string, score int, ok bool) {
	if rt.method != "ANY" && rt.method != method {
		return nil, 0, false
	}
	if rt.method != "ANY" {
		score = 1
	}
	if rt.resource == "/" || path == "/" {
		return nil, score, rt.resource == path
	}
	parts := strings.Split(path[1:], "/")
	for i, seg := range rt.segments {
		name, isParam := apigwParam(seg)
		switch {
		case i >= len(parts) || parts[i] == "":
			return nil, 0, false
		case isParam && strings.HasSuffix(name, "+"):
			params = apigwSet(params, strings.TrimSuffix(name, "+"), strings.Join(parts[i:], "/"))
			return params, score, true
		case isParam:
			params = apigwSet(params, name, parts[i])
		case seg != parts[i]:
			return nil, 0, false
		default:
			score += 2 * (len(rt.segments) + 1) // any literal beats any parameter
		}
	}
	return params, score, len(parts) == len(rt.segments)
}

func apigwSet(m map[string]string, k, v string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	m[k] = v
	return m
}

// route finds the best method for a request path (stage prefix included).
func (g *APIGateway) route(method, fullPath string) (apigwRoute, string, map[string]string, bool) {
	path, ok := strings.CutPrefix(fullPath, "/"+g.opts.Stage)
	if !ok || (path != "" && path[0] != '/') {
		return apigwRoute{}, "", nil, false
	}
	if path == "" {
		path = "/"
	}
	best, bestScore, found := apigwRoute{}, -1, false
	var bestParams map[string]string
	for _, rt := range g.routes {
		if params, score, ok := rt.match(method, path); ok && score > bestScore {
			best, bestScore, bestParams, found = rt, score, params, true
		}
	}
	return best, path, bestParams, found
}

// serveAPI is the REST API: route, payload quota, AWS_IAM authorization,
// then the Lambda proxy integration.
func (g *APIGateway) serveAPI(w http.ResponseWriter, r *http.Request) {
	reqID := awsRequestID()
	w.Header().Set("X-Amzn-RequestId", reqID)
	rt, path, params, ok := g.route(r.Method, r.URL.Path)
	if !ok {
		apigwWriteError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, apigwMaxBody))
	if err != nil {
		apigwWriteError(w, http.StatusRequestEntityTooLarge, "", "Request Too Long")
		return
	}
	caller, status, code, msg := g.authorize(r, body)
	if caller == nil {
		apigwWriteError(w, status, code, msg)
		return
	}
	m := apigwMatched{route: rt, path: path, params: params, traceRoot: apigwTraceRoot(time.Now())}
	event, err := g.event(r, m, body, caller, reqID)
	if err != nil {
		apigwWriteError(w, http.StatusInternalServerError, "InternalServerErrorException", "Internal server error")
		return
	}
	g.respond(w, r, event, m.traceRoot)
}

// authorize checks the SigV4 signature (AWS_IAM authorization) and returns
// the caller, or the gateway response refusing the request.
func (g *APIGateway) authorize(r *http.Request, body []byte) (*awsemu.Principal, int, string, string) {
	authz := r.Header.Get("Authorization")
	if authz == "" {
		return nil, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token"
	}
	if _, err := sigv4ParseAuthorization(authz); err != nil {
		return nil, http.StatusForbidden, "IncompleteSignatureException",
			"Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
				"Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
	}
	p, aerr := g.aws.verifySigV4(r, body, "execute-api")
	if aerr != nil {
		_, code := awsAuthCode(awsProtoRestJSON, aerr.Kind())
		msg := aerr.Message()
		if aerr.Kind() == awsAuthMissing {
			msg = "Missing Authentication Token"
		}
		return nil, http.StatusForbidden, code, msg
	}
	return p, 0, "", ""
}

// apigwMatched is a routed request: the API method, the stage-relative
// path with its path parameters, and the X-Ray trace root.
type apigwMatched struct {
	route     apigwRoute
	path      string
	params    map[string]string
	traceRoot string
}

// event builds the Lambda proxy integration input (payload format 1.0).
func (g *APIGateway) event(r *http.Request, m apigwMatched, body []byte, caller *awsemu.Principal, reqID string) ([]byte, error) {
	ip, port := apigwClientIP(r), g.gwLn.Addr().(*net.TCPAddr).Port
	headers := r.Header.Clone()
	headers.Set("Host", r.Host)
	if xff := headers.Get("X-Forwarded-For"); xff != "" {
		ip = xff + ", " + ip
	}
	headers.Set("X-Forwarded-For", ip)
	headers.Set("X-Forwarded-Port", fmt.Sprint(port))
	headers.Set("X-Forwarded-Proto", "http")
	headers.Set("X-Amzn-Trace-Id", "Root="+m.traceRoot)
	now := g.aws.now()
	ev := events.APIGatewayProxyRequest{
		Resource: m.route.resource, Path: m.path, HTTPMethod: r.Method,
		Headers: apigwLast(headers), MultiValueHeaders: headers,
		PathParameters: m.params, Body: string(body),
		RequestContext: events.APIGatewayProxyRequestContext{
			AccountID: g.aws.AccountID(), ResourceID: m.route.id, Stage: g.opts.Stage,
			DomainName: r.Host, DomainPrefix: strings.Split(r.Host, ".")[0],
			RequestID: reqID, ExtendedRequestID: awsRandom(awsAlnumUpper, 15) + "=",
			Protocol: r.Proto, Identity: apigwIdentity(caller, r),
			ResourcePath: m.route.resource, Path: "/" + g.opts.Stage + m.path, HTTPMethod: r.Method,
			RequestTime: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), RequestTimeEpoch: now.UnixMilli(),
			APIID: g.apiID,
		},
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters, ev.MultiValueQueryStringParameters = apigwLast(q), q
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode proxy event: %w", err)
	}
	return b, nil
}
