package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// Authenticator identifies the caller of a standalone-server request from
// its Authorization header (a *callerauth.Verifier).
type Authenticator interface {
	Authenticate(ctx context.Context, authorization string) (callerauth.Caller, error)
}

// HTTPHandler serves the broker API over HTTP(S) for the standalone server.
type HTTPHandler struct {
	Service *Service
	Auth    Authenticator
}

func (h *HTTPHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := newRequestID()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		h.fail(w, r, requestID, apiError(http.StatusRequestEntityTooLarge, "RequestTooLarge", "request body is larger than %d bytes", MaxBodyBytes))
		return
	}
	caller, err := h.Auth.Authenticate(r.Context(), r.Header.Get("Authorization"))
	if err != nil {
		h.fail(w, r, requestID, authError(err))
		return
	}
	resp := h.Service.Handle(r.Context(), Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(),
		Body: body, Caller: caller, RequestID: requestID})
	writeResponse(w, requestID, resp)
}

// fail answers a request refused before it reached the Service.
func (h *HTTPHandler) fail(w http.ResponseWriter, r *http.Request, requestID string, e *APIError) {
	h.Service.logAccess(r.Method, r.URL.Path, requestID, "", e.Status, 0)
	writeResponse(w, requestID, errorResponse(e))
}

// authError maps a caller-authentication failure to its answer.
func authError(err error) *APIError {
	switch {
	case errors.Is(err, callerauth.ErrNotRole):
		return apiError(http.StatusForbidden, "CallerNotRole", "%v", err)
	case errors.Is(err, callerauth.ErrUpstream):
		return apiError(http.StatusBadGateway, "UpstreamError", "cannot verify the caller with STS")
	default:
		return apiError(http.StatusUnauthorized, "Unauthenticated", "%v", err)
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
