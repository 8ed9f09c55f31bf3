package brokeremu

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// The HTTP API side of the gateway: payload format 2.0, as documented in
// "Create AWS Lambda proxy integrations for HTTP APIs in API Gateway". The
// event types are our own, written from AWS's documented JSON, so that the
// tests decoding them with aws-lambda-go's events.APIGatewayV2HTTPRequest
// check the field names against a peer rather than against themselves.

const (
	apigwPayloadV1    = "1.0"
	apigwPayloadV2    = "2.0"
	apigwStageDefault = "$default" // an HTTP API's default stage: no URL prefix
	apigwRouteDefault = "$default" // the route catching every unmatched request
)

// apigwV2Event is the payload format 2.0 event.
type apigwV2Event struct {
	Version               string            `json:"version"`
	RouteKey              string            `json:"routeKey"`
	RawPath               string            `json:"rawPath"`
	RawQueryString        string            `json:"rawQueryString"`
	Cookies               []string          `json:"cookies,omitempty"`
	Headers               map[string]string `json:"headers"`
	QueryStringParameters map[string]string `json:"queryStringParameters,omitempty"`
	PathParameters        map[string]string `json:"pathParameters,omitempty"`
	StageVariables        map[string]string `json:"stageVariables,omitempty"`
	RequestContext        apigwV2Context    `json:"requestContext"`
	Body                  string            `json:"body,omitempty"`
	IsBase64Encoded       bool              `json:"isBase64Encoded"`
}

type apigwV2Context struct {
	AccountID    string             `json:"accountId"`
	APIID        string             `json:"apiId"`
	Authorizer   *apigwV2Authorizer `json:"authorizer,omitempty"`
	DomainName   string             `json:"domainName"`
	DomainPrefix string             `json:"domainPrefix"`
	HTTP         apigwV2HTTP        `json:"http"`
	RequestID    string             `json:"requestId"`
	RouteKey     string             `json:"routeKey"`
	Stage        string             `json:"stage"`
	Time         string             `json:"time"`
	TimeEpoch    int64              `json:"timeEpoch"`
}

type apigwV2HTTP struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Protocol  string `json:"protocol"`
	SourceIP  string `json:"sourceIp"`
	UserAgent string `json:"userAgent"`
}

type apigwV2Authorizer struct {
	IAM *apigwV2IAM `json:"iam"`
}

// apigwV2IAM is authorizer.iam; cognitoIdentity and principalOrgId are
// null for a role outside Cognito and Organizations, as AWS sends them.
type apigwV2IAM struct {
	AccessKey       string    `json:"accessKey"`
	AccountID       string    `json:"accountId"`
	CallerID        string    `json:"callerId"`
	CognitoIdentity *struct{} `json:"cognitoIdentity"`
	PrincipalOrgID  *string   `json:"principalOrgId"`
	UserARN         string    `json:"userArn"`
	UserID          string    `json:"userId"`
}

// eventV2 builds the Lambda proxy integration input in payload format 2.0;
// caller is nil on a public route.
func (g *APIGateway) eventV2(r *http.Request, m apigwMatched, body []byte, caller *awsemu.Principal, reqID string) ([]byte, error) {
	headers, cookies := g.headersV2(r, m.traceRoot, len(body))
	routeKey := m.route.method + " " + m.route.resource
	if m.route.resource == apigwRouteDefault {
		routeKey = apigwRouteDefault
	}
	now := g.aws.now()
	ev := apigwV2Event{
		Version: apigwPayloadV2, RouteKey: routeKey, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Cookies: cookies, Headers: headers, PathParameters: m.params, StageVariables: g.opts.StageVariables,
		RequestContext: apigwV2Context{
			AccountID: g.aws.AccountID(), APIID: g.apiID, Authorizer: apigwV2Caller(caller, r),
			DomainName: r.Host, DomainPrefix: strings.Split(r.Host, ".")[0],
			HTTP: apigwV2HTTP{Method: r.Method, Path: r.URL.Path, Protocol: r.Proto,
				SourceIP: apigwClientIP(r), UserAgent: r.UserAgent()},
			RequestID: reqID, RouteKey: routeKey, Stage: g.opts.Stage,
			Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"), TimeEpoch: now.UnixMilli(),
		},
	}
	if q := r.URL.Query(); len(q) > 0 {
		ev.QueryStringParameters = apigwJoin(q)
	}
	if len(body) > 0 {
		ev.Body = string(body)
		if apigwV2Binary(r.Header.Get("Content-Type"), body) {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encode http api event: %w", err)
	}
	return b, nil
}

// headersV2 is the event's headers, lower-cased and comma-joined, with the
// gateway's own added; the Cookie header moves to the cookies list.
func (g *APIGateway) headersV2(r *http.Request, traceRoot string, bodyLen int) (map[string]string, []string) {
	h := r.Header.Clone()
	var cookies []string
	for _, line := range h.Values("Cookie") {
		for _, c := range strings.Split(line, ";") {
			if c = strings.TrimSpace(c); c != "" {
				cookies = append(cookies, c)
			}
		}
	}
	h.Del("Cookie")
	h.Set("Host", r.Host)
	if bodyLen > 0 {
		h.Set("Content-Length", strconv.Itoa(bodyLen))
	}
	ip := apigwClientIP(r)
	if xff := h.Get("X-Forwarded-For"); xff != "" {
		ip = xff + ", " + ip
	}
	h.Set("X-Forwarded-For", ip)
	h.Set("X-Forwarded-Port", strconv.Itoa(g.gwLn.Addr().(*net.TCPAddr).Port))
	h.Set("X-Forwarded-Proto", "http")
	h.Set("X-Amzn-Trace-Id", "Root="+traceRoot)
	out := make(map[string]string, len(h))
	for k, vs := range h {
		out[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	return out, cookies
}

// apigwV2Caller is requestContext.authorizer of an IAM-authorized call.
func apigwV2Caller(p *awsemu.Principal, r *http.Request) *apigwV2Authorizer {
	if p == nil {
		return nil
	}
	id := apigwIdentity(p, r)
	return &apigwV2Authorizer{IAM: &apigwV2IAM{AccessKey: id.AccessKey, AccountID: id.AccountID,
		CallerID: id.Caller, UserARN: id.UserArn, UserID: id.User}}
}

// apigwJoin joins each key's values with commas (2.0's single-value maps).
func apigwJoin(m map[string][]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, vs := range m {
		out[k] = strings.Join(vs, ",")
	}
	return out
}

// apigwV2Binary reports whether an HTTP API base64-encodes a request body:
// anything that is not UTF-8 text of a textual media type (a missing
// Content-Type counts as text when the body is UTF-8).
func apigwV2Binary(contentType string, body []byte) bool {
	if !utf8.Valid(body) {
		return true
	}
	if contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return true
	}
	switch {
	case strings.HasPrefix(mt, "text/"), strings.HasSuffix(mt, "/json"), strings.HasSuffix(mt, "+json"),
		strings.HasSuffix(mt, "/xml"), strings.HasSuffix(mt, "+xml"),
		mt == "application/javascript", mt == "application/x-www-form-urlencoded":
		return false
	}
	return true
}

// apigwV2Response is a function's answer in format 2.0.
type apigwV2Response struct {
	StatusCode      *int              `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Cookies         []string          `json:"cookies"`
	Body            *string           `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}

// apigwParseV2Response reads a function's format 2.0 answer. Valid JSON
// without a statusCode is a 200 whose body is that JSON (a JSON string's
// value); other fields, multiValueHeaders included, are ignored. An error
// is API Gateway's 500.
func apigwParseV2Response(payload []byte) (status int, h http.Header, body []byte, err error) {
	if !json.Valid(payload) {
		return 0, nil, nil, errors.New("lambda response is not json")
	}
	var probe map[string]json.RawMessage
	if json.Unmarshal(payload, &probe) != nil || probe["statusCode"] == nil {
		h = http.Header{"Content-Type": {"application/json"}}
		var s string
		if json.Unmarshal(payload, &s) == nil {
			return http.StatusOK, h, []byte(s), nil
		}
		return http.StatusOK, h, bytes.TrimSpace(payload), nil
	}
	var resp apigwV2Response
	if err := json.Unmarshal(payload, &resp); err != nil {
		return 0, nil, nil, fmt.Errorf("malformed lambda response: %w", err)
	}
	if resp.StatusCode == nil || *resp.StatusCode < 100 || *resp.StatusCode > 599 {
		return 0, nil, nil, errors.New("malformed lambda response: statusCode out of range")
	}
	h = http.Header{}
	for k, v := range resp.Headers {
		apigwAddHeader(h, k, v)
	}
	for _, c := range resp.Cookies {
		h.Add("Set-Cookie", c)
	}
	if resp.Body != nil {
		body = []byte(*resp.Body)
	}
	if resp.IsBase64Encoded {
		if body, err = base64.StdEncoding.DecodeString(string(body)); err != nil {
			return 0, nil, nil, fmt.Errorf("malformed lambda response: body: %w", err)
		}
	}
	return *resp.StatusCode, h, body, nil
}

// writeProxyV2 maps the function's format 2.0 answer to the HTTP response.
func (g *APIGateway) writeProxyV2(w http.ResponseWriter, payload []byte, traceRoot string) {
	status, h, body, err := apigwParseV2Response(payload)
	if err != nil {
		apigwWriteError(w, http.StatusInternalServerError, "", "Internal Server Error")
		return
	}
	for k, vs := range h {
		w.Header()[k] = vs
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.Header().Set("Apigw-Requestid", awsRandom(awsAlnumUpper, 15)+"=")
	w.Header().Set("X-Amzn-Trace-Id", "Root="+traceRoot+";Sampled=0")
	w.WriteHeader(status)
	_, _ = io.Copy(w, bytes.NewReader(body))
}
