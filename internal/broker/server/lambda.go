package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// proxyEvent is what the Lambda transport reads from either API Gateway
// proxy payload: REST APIs send format 1.0, HTTP APIs (what the original
// sample deploys) 2.0.
type proxyEvent struct {
	method, route, requestID, source, userARN string
	query                                     url.Values
	body                                      string
	base64                                    bool
}

// HandleLambdaEvent serves one API Gateway proxy event of either payload
// format and answers in the same format. API Gateway has already verified
// the caller's SigV4 signature (AWS_IAM authorization); the caller's
// identity is the request context's user ARN. Requests are routed on the
// API's resource (1.0) or route key (2.0), never on the raw path, which
// carries the stage or a custom domain's base path.
func (s *Service) HandleLambdaEvent(ctx context.Context, raw json.RawMessage) (any, error) {
	ev, v2, err := parseLambdaEvent(raw)
	if err != nil {
		return nil, err
	}
	resp := s.serveEvent(ctx, ev)
	if v2 {
		return events.APIGatewayV2HTTPResponse{StatusCode: resp.StatusCode, Headers: resp.Headers, Body: resp.Body}, nil
	}
	return resp, nil
}

// parseLambdaEvent decodes an API Gateway proxy event of either payload
// format; v2 reports format 2.0.
func parseLambdaEvent(raw json.RawMessage) (ev proxyEvent, v2 bool, err error) {
	var probe struct {
		Version string `json:"version"`
	}
	_ = json.Unmarshal(raw, &probe) // a malformed event fails below
	if probe.Version == "2.0" {
		var e events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &e); err != nil {
			return proxyEvent{}, true, fmt.Errorf("decode http api event: %w", err)
		}
		return eventV2(e), true, nil
	}
	var e events.APIGatewayProxyRequest
	if err := json.Unmarshal(raw, &e); err != nil {
		return proxyEvent{}, false, fmt.Errorf("decode rest api event: %w", err)
	}
	return eventV1(e), false, nil
}

// HandleAPIGateway serves one REST API (payload format 1.0) event.
func (s *Service) HandleAPIGateway(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return s.serveEvent(ctx, eventV1(ev)), nil
}

// eventV1 reads a REST API event: the route from its resource.
func eventV1(ev events.APIGatewayProxyRequest) proxyEvent {
	route := ev.Resource
	if route == "" || strings.Contains(route, "{") {
		// A proxy resource (/{proxy+}) or a hand-made event: the path below
		// the stage is what API Gateway matched.
		route = "/" + strings.TrimPrefix(ev.PathParameters["proxy"], "/")
		if ev.PathParameters["proxy"] == "" {
			route = ev.Path
		}
	}
	return proxyEvent{method: ev.HTTPMethod, route: route, requestID: ev.RequestContext.RequestID,
		source: ev.RequestContext.Identity.SourceIP, userARN: ev.RequestContext.Identity.UserArn,
		query: eventQuery(ev.MultiValueQueryStringParameters, ev.QueryStringParameters), body: ev.Body, base64: ev.IsBase64Encoded}
}

// eventV2 reads an HTTP API event: the route from its route key
// ("GET /applications"); for a proxy route (ANY /{proxy+}) the path below
// it, as for a REST proxy resource; otherwise ($default, other parameters)
// the raw path without the stage.
func eventV2(ev events.APIGatewayV2HTTPRequest) proxyEvent {
	rc := ev.RequestContext
	_, route, ok := strings.Cut(ev.RouteKey, " ")
	switch {
	case ok && !strings.Contains(route, "{"):
	case ok && ev.PathParameters["proxy"] != "":
		route = "/" + strings.TrimPrefix(ev.PathParameters["proxy"], "/")
	default:
		route = ev.RawPath
		if rc.Stage != "" && rc.Stage != "$default" {
			route = strings.TrimPrefix(route, "/"+rc.Stage)
		}
	}
	q, err := url.ParseQuery(ev.RawQueryString)
	if err != nil {
		q = url.Values{}
	}
	var arn string
	if rc.Authorizer != nil && rc.Authorizer.IAM != nil {
		arn = rc.Authorizer.IAM.UserARN
	}
	return proxyEvent{method: rc.HTTP.Method, route: route, requestID: rc.RequestID, source: rc.HTTP.SourceIP,
		userARN: arn, query: q, body: ev.Body, base64: ev.IsBase64Encoded}
}

// serveEvent authenticates and answers one event in REST API form.
func (s *Service) serveEvent(ctx context.Context, ev proxyEvent) events.APIGatewayProxyResponse {
	req := Request{Method: ev.method, Path: ev.route, RequestID: ev.requestID, Source: ev.source}
	if ev.route == healthPath {
		resp := health(ev.method)
		s.logAccess(req, resp, s.now())
		return proxyResponse(req.RequestID, resp)
	}
	body, e := eventBody(ev.body, ev.base64)
	if e == nil {
		req.Caller, e = eventCaller(ev.userARN)
	}
	if e != nil {
		resp := errorResponse(e)
		s.logAccess(req, resp, s.now())
		return proxyResponse(req.RequestID, resp)
	}
	req.Query, req.Body = ev.query, body
	return proxyResponse(req.RequestID, s.Handle(ctx, req))
}

func eventCaller(arn string) (callerauth.Caller, *errorAnswer) {
	if arn == "" {
		// Only reachable when the method is deployed without AWS_IAM.
		return callerauth.Caller{}, apiError(http.StatusUnauthorized, "Unauthenticated", "no IAM caller in the request context: the API method must use AWS_IAM authorization")
	}
	caller, err := callerauth.CallerFromARN(arn)
	if err != nil {
		return callerauth.Caller{}, apiError(http.StatusForbidden, "CallerNotRole", "%v", err)
	}
	return caller, nil
}

func eventBody(raw string, isBase64 bool) ([]byte, *errorAnswer) {
	body := []byte(raw)
	if isBase64 {
		var err error
		if body, err = base64.StdEncoding.DecodeString(raw); err != nil {
			return nil, apiError(http.StatusBadRequest, "InvalidRequest", "body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return nil, apiError(http.StatusRequestEntityTooLarge, "RequestTooLarge", "request body is larger than %d bytes", MaxBodyBytes)
	}
	return body, nil
}

func eventQuery(multi map[string][]string, single map[string]string) url.Values {
	q := url.Values{}
	for k, vs := range multi {
		q[k] = append([]string(nil), vs...)
	}
	for k, v := range single {
		if _, ok := q[k]; !ok {
			q.Set(k, v)
		}
	}
	return q
}

func proxyResponse(requestID string, resp Response) events.APIGatewayProxyResponse {
	h := map[string]string{"Content-Type": "application/json", "Cache-Control": "no-store", "X-Request-Id": requestID}
	for k, v := range resp.Header {
		h[k] = v
	}
	return events.APIGatewayProxyResponse{StatusCode: resp.Status, Headers: h, Body: string(resp.Body)}
}
