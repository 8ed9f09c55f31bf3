// Package server is tip-broker's request handling, independent of how a
// request arrives: the standalone HTTPS server (http.go) and the Lambda
// handler behind API Gateway (lambda.go) both authenticate the caller their
// own way and then call Service.Handle with the same Request.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/broker/api"
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
	// AllowPrivateJWKS accepts JWKS URLs on loopback and private addresses
	// at registration (the verifier must allow them too): labs only.
	AllowPrivateJWKS bool
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
	// Source is the client address the transport saw (for the log).
	Source string
	// admitted: the transport already ran Service.admit for Caller.
	admitted bool
}

// Response is a JSON answer. Header carries extras such as Retry-After;
// Code is the error code of an error answer (for the access log).
type Response struct {
	Status int
	Header map[string]string
	Body   []byte
	Code   string
}

// Handle routes req and writes its access log line.
func (s *Service) Handle(ctx context.Context, req Request) Response {
	start := s.now()
	resp := s.route(ctx, req)
	s.logAccess(req, resp, start)
	return resp
}

// healthPath answers GET without authentication and without detail, for
// load balancers and uptime checks.
const healthPath = api.HealthPath

// health is the answer on healthPath: 200 for GET (and HEAD), else 405.
func health(method string) Response {
	if method != http.MethodGet && method != http.MethodHead {
		return errorResponse(apiError(http.StatusMethodNotAllowed, "MethodNotAllowed", "method %s is not allowed on %s", method, healthPath))
	}
	return Response{Status: http.StatusOK, Body: []byte(`{"status":"ok"}`)}
}

func (s *Service) route(ctx context.Context, req Request) Response {
	if !req.admitted {
		if r := (*refusal)(nil); errors.As(s.admit(req.Caller), &r) {
			return r.resp
		}
	}
	var (
		status int
		body   any
		err    *errorAnswer
	)
	rt, found := api.Find(req.Method, req.Path)
	switch {
	case !found:
		err = routeError(req.Method, req.Path)
	case rt.Op == api.Register:
		status, body, err = s.register(ctx, req)
	case rt.Op == api.Describe:
		status, body, err = s.describe(ctx, req)
	case rt.Op == api.Deregister:
		status, body, err = s.deregister(ctx, req)
	case rt.Op == api.Credentials:
		status, body, err = s.credentials(ctx, req)
	case rt.Op == api.Health: // the transports answer it before authentication
		return health(req.Method)
	default:
		// A route of the table this switch does not know:
		// TestEveryRouteHandled fails first.
		err = apiError(http.StatusNotImplemented, "NotImplemented", "%s is not implemented", rt.Key())
	}
	if err != nil {
		return errorResponse(err)
	}
	return jsonResponse(status, body)
}

// routeError is 405 for a known path with another method, else 404.
func routeError(method, path string) *errorAnswer {
	if api.KnownPath(path) {
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

// logAccess writes one line for req answered by resp, without the query
// string (it carries the JWT), tokens or credentials: the application
// (the caller's role, the registration key), the caller's session ARN, the
// source address, the outcome code ("" on success) and the latency.
func (s *Service) logAccess(req Request, resp Response, start time.Time) {
	if s.Log == nil {
		return
	}
	s.Log.Info("request", "request_id", req.RequestID, "method", req.Method, "path", req.Path,
		"status", resp.Status, "code", resp.Code, "application", req.Caller.RoleARN, "caller", req.Caller.ARN,
		"source", req.Source, "duration_ms", float64(s.now().Sub(start).Microseconds())/1000)
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
