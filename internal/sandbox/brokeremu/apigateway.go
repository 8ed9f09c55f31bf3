package brokeremu

import (
	"context"
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
	// PayloadVersion is the Lambda integration's payload format: "1.0"
	// (default, a REST API's) or "2.0" (an HTTP API's: its own event and
	// response shapes, default stage "$default" with no URL prefix, and a
	// "$default" route allowed in Routes).
	PayloadVersion string
	// PublicRoutes are further routes deployed with authorization NONE,
	// as the template deploys the health check: unsigned calls reach the
	// function and the event carries no IAM caller.
	PublicRoutes []string
	// StageVariables are the stage's variables, sent in every event.
	StageVariables map[string]string
}

// apigwRoute is one API method: a resource path and an HTTP method.
type apigwRoute struct {
	method   string // GET, POST, … or ANY
	resource string // e.g. /applications/{name}
	segments []string
	id       string // API Gateway resource id
	public   bool   // authorization NONE
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
	o, err := apigwDefaults(o)
	if err != nil {
		return nil, err
	}
	routes, err := apigwParseRoutes(o)
	if err != nil {
		return nil, err
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

func apigwDefaults(o APIGatewayOptions) (APIGatewayOptions, error) {
	switch o.PayloadVersion {
	case "", apigwPayloadV1:
		o.PayloadVersion = apigwPayloadV1
	case apigwPayloadV2:
		if o.Stage == "" {
			o.Stage = apigwStageDefault
		}
	default:
		return o, fmt.Errorf("api gateway: payload format version %q: want 1.0 or 2.0", o.PayloadVersion)
	}
	if o.Stage == "" {
		o.Stage = apigwDefaultStage
	}
	if o.Timeout <= 0 {
		o.Timeout = apigwDefaultTimeout
	}
	if o.FunctionName == "" {
		o.FunctionName = apigwDefaultFunction
	}
	return o, nil
}

// apigwParseRoutes parses the routes, the public ones marked as such.
func apigwParseRoutes(o APIGatewayOptions) ([]apigwRoute, error) {
	routes := make([]apigwRoute, 0, len(o.Routes)+len(o.PublicRoutes))
	for i, s := range append(append([]string(nil), o.Routes...), o.PublicRoutes...) {
		rt, err := apigwParseRoute(s, o.PayloadVersion == apigwPayloadV2)
		if err != nil {
			return nil, fmt.Errorf("api gateway route %q: %w", s, err)
		}
		rt.public = i >= len(o.Routes)
		routes = append(routes, rt)
	}
	return routes, nil
}

// URL is the stage's invoke URL, http://127.0.0.1:PORT/<stage>, without
// a stage segment for an HTTP API's $default stage.
func (g *APIGateway) URL() string {
	if g.opts.Stage == apigwStageDefault {
		return "http://" + g.gwLn.Addr().String()
	}
	return "http://" + g.gwLn.Addr().String() + "/" + g.opts.Stage
}

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
	var caller *awsemu.Principal
	if !rt.public {
		var status int
		var code, msg string
		if caller, status, code, msg = g.authorize(r, body); caller == nil {
			apigwWriteError(w, status, code, msg)
			return
		}
	}
	m := apigwMatched{route: rt, path: path, params: params, traceRoot: apigwTraceRoot(time.Now())}
	event, err := g.event(r, m, body, caller, reqID)
	if g.opts.PayloadVersion == apigwPayloadV2 {
		event, err = g.eventV2(r, m, body, caller, reqID)
	}
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

// event builds the Lambda proxy integration input (payload format 1.0);
// caller is nil on a public route.
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
		PathParameters: m.params, StageVariables: g.opts.StageVariables, Body: string(body),
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
