package server

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// HandleAPIGateway serves one API Gateway (REST API, Lambda proxy
// integration) event. API Gateway has already verified the caller's SigV4
// signature (AWS_IAM authorization); its identity is the request context's
// userArn.
func (s *Service) HandleAPIGateway(ctx context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	requestID := ev.RequestContext.RequestID
	body, e := eventBody(ev)
	if e == nil {
		var caller callerauth.Caller
		caller, e = eventCaller(ev)
		if e == nil {
			resp := s.Handle(ctx, Request{Method: ev.HTTPMethod, Path: ev.Path, Query: eventQuery(ev),
				Body: body, Caller: caller, RequestID: requestID, Source: ev.RequestContext.Identity.SourceIP})
			return proxyResponse(requestID, resp), nil
		}
	}
	resp := errorResponse(e)
	s.logAccess(Request{Method: ev.HTTPMethod, Path: ev.Path, RequestID: requestID, Source: ev.RequestContext.Identity.SourceIP}, resp, s.now())
	return proxyResponse(requestID, resp), nil
}

func eventCaller(ev events.APIGatewayProxyRequest) (callerauth.Caller, *APIError) {
	arn := ev.RequestContext.Identity.UserArn
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

func eventBody(ev events.APIGatewayProxyRequest) ([]byte, *APIError) {
	body := []byte(ev.Body)
	if ev.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(ev.Body); err != nil {
			return nil, apiError(http.StatusBadRequest, "InvalidRequest", "body is not valid base64")
		}
	}
	if len(body) > MaxBodyBytes {
		return nil, apiError(http.StatusRequestEntityTooLarge, "RequestTooLarge", "request body is larger than %d bytes", MaxBodyBytes)
	}
	return body, nil
}

func eventQuery(ev events.APIGatewayProxyRequest) url.Values {
	q := url.Values{}
	for k, vs := range ev.MultiValueQueryStringParameters {
		q[k] = append([]string(nil), vs...)
	}
	for k, v := range ev.QueryStringParameters {
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
