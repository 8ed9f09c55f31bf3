// Package server is tip-broker's request handling, independent of how a
// request arrives: the standalone HTTPS server (http.go) and the Lambda
// handler behind API Gateway (lambda.go) both authenticate the caller their
// own way and then call Service.Handle with the same Request.
package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// Limits on what a caller may send.
const (
	MaxBodyBytes  = 16 << 10
	MaxTokenBytes = 8 << 10
)

// RoleAssumer is the one STS call the broker makes (an *sts.Client).
type RoleAssumer interface {
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, opts ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
}

// TokenVerifier verifies an end user's JWT (a *jwtauth.Verifier).
type TokenVerifier interface {
	Verify(ctx context.Context, token string, e jwtauth.Expect) (map[string]any, error)
}

// Service answers the broker API for an authenticated caller.
type Service struct {
	Store  registry.Store
	Tokens TokenVerifier
	STS    RoleAssumer
	// Limiter throttles each caller; nil means no limit.
	Limiter *Limiter
	// Log receives one access line per request; nil discards.
	Log *slog.Logger
	Now func() time.Time
	// Duration of the issued credentials (default and maximum 1 h: the
	// broker's own session makes every AssumeRole a role chain).
	Duration time.Duration
}

// Request is one API call from an authenticated caller.
type Request struct {
	Method, Path string
	Query        url.Values
	Body         []byte
	Caller       callerauth.Caller
	RequestID    string
}

// Response is a JSON answer. Header carries extras such as Retry-After.
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
}

// Handle routes req and writes its access log line.
func (s *Service) Handle(ctx context.Context, req Request) Response {
	start := s.now()
	resp := s.route(ctx, req)
	s.logAccess(req.Method, req.Path, req.RequestID, req.Caller.RoleARN, resp.Status, s.now().Sub(start))
	return resp
}

func (s *Service) route(ctx context.Context, req Request) Response {
	if s.Limiter != nil {
		if wait, ok := s.Limiter.Allow(req.Caller.RoleARN, s.now()); !ok {
			r := errorResponse(apiError(http.StatusTooManyRequests, "TooManyRequests", "rate limit exceeded for this caller"))
			r.Header = map[string]string{"Retry-After": fmt.Sprint(max(1, int(math.Ceil(wait.Seconds()))))}
			return r
		}
	}
	var (
		status int
		body   any
		err    *APIError
	)
	switch route := req.Method + " " + req.Path; route {
	case "POST /applications":
		status, body, err = s.register(ctx, req)
	case "GET /applications":
		status, body, err = s.describe(ctx, req)
	case "DELETE /applications":
		status, body, err = s.deregister(ctx, req)
	case "GET /credentials":
		status, body, err = s.credentials(ctx, req)
	default:
		err = routeError(req.Method, req.Path)
	}
	if err != nil {
		return errorResponse(err)
	}
	return jsonResponse(status, body)
}

// routeError is 405 for a known path with another method, else 404.
func routeError(method, path string) *APIError {
	if path == "/applications" || path == "/credentials" {
		return apiError(http.StatusMethodNotAllowed, "MethodNotAllowed", "method %s is not allowed on %s", method, path)
	}
	return apiError(http.StatusNotFound, "NotFound", "no such resource")
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// logAccess writes one line without the query string: it carries the JWT.
func (s *Service) logAccess(method, path, requestID, caller string, status int, d time.Duration) {
	if s.Log == nil {
		return
	}
	s.Log.Info("request", "method", method, "path", path, "status", status,
		"caller", caller, "request_id", requestID, "duration_ms", float64(d.Microseconds())/1000)
}

func jsonResponse(status int, v any) Response {
	if v == nil {
		return Response{Status: status}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return errorResponse(apiError(http.StatusInternalServerError, "InternalError", "encode response"))
	}
	return Response{Status: status, Body: b}
}
