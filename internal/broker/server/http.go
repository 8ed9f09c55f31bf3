package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// Authenticator identifies the caller of a standalone-server request from
// its Authorization header, bound to the request (a *callerauth.Verifier),
// and calls admit before it remembers the caller's signature.
type Authenticator interface {
	AuthenticateAndAdmit(ctx context.Context, authorization string, bind callerauth.Binding, admit func(callerauth.Caller) error) (callerauth.Caller, error)
}

// HTTPHandler serves the broker API over HTTP(S) for the standalone server.
type HTTPHandler struct {
	Service *Service
	Auth    Authenticator
	// Sources limits each client address before anything else, in
	// particular before the outbound STS call of caller authentication;
	// nil means no limit.
	Sources *Limiter
}

func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := h.Service.now()
	req := Request{Method: r.Method, Path: r.URL.Path, RequestID: newRequestID(), Source: sourceAddr(r)}
	if req.Path == healthPath {
		h.answer(w, req, health(r.Method), start)
		return
	}
	if h.Sources != nil {
		if wait, ok := h.Sources.Allow(sourceKey(req.Source), start); !ok {
			h.answer(w, req, tooManyRequests(wait, "rate limit exceeded for this source address"), start)
			return
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		h.answer(w, req, errorResponse(apiError(http.StatusRequestEntityTooLarge, "RequestTooLarge", "request body is larger than %d bytes", MaxBodyBytes)), start)
		return
	}
	caller, err := h.Auth.AuthenticateAndAdmit(r.Context(), r.Header.Get("Authorization"), callerauth.BindingOf(r, body), h.Service.admit)
	if err != nil {
		h.answer(w, req, authError(err), start)
		return
	}
	req.Query, req.Body, req.Caller, req.admitted = r.URL.Query(), body, caller, true
	writeResponse(w, req.RequestID, h.Service.Handle(r.Context(), req))
}

// answer writes and logs a response made before Service.Handle.
func (h *HTTPHandler) answer(w http.ResponseWriter, req Request, resp Response, start time.Time) {
	h.Service.logAccess(req, resp, start)
	writeResponse(w, req.RequestID, resp)
}

// sourceAddr is the client's IP address; a proxy's X-Forwarded-For is
// not trusted (any client could set it to dodge the source limit).
func sourceAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// authError maps a caller-authentication failure to its answer.
func authError(err error) Response {
	if r := (*refusal)(nil); errors.As(err, &r) {
		return r.resp
	}
	switch {
	case errors.Is(err, callerauth.ErrCallerQuota):
		return tooManyRequests(5*time.Second, "too many unexpired presigned requests for this caller; retry later")
	case errors.Is(err, callerauth.ErrNotRole):
		return errorResponse(apiError(http.StatusForbidden, "CallerNotRole", "%v", err))
	case errors.Is(err, callerauth.ErrNotAllowed):
		return errorResponse(apiError(http.StatusForbidden, "CallerNotAllowed", "%v", err))
	case errors.Is(err, callerauth.ErrBusy):
		r := errorResponse(apiError(http.StatusServiceUnavailable, "ServiceUnavailable", "the broker is at capacity; retry later"))
		r.Header = map[string]string{"Retry-After": "5"}
		return r
	case errors.Is(err, callerauth.ErrUpstream):
		return errorResponse(apiError(http.StatusBadGateway, "UpstreamError", "cannot verify the caller with STS"))
	default:
		return errorResponse(apiError(http.StatusUnauthorized, "Unauthenticated", "%v", err))
	}
}

func writeResponse(w http.ResponseWriter, requestID string, resp Response) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Request-Id", requestID)
	for k, v := range resp.Header {
		h.Set(k, v)
	}
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body) // the client went away; nothing to do
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
