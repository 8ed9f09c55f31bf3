package server

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"time"
)

// errorAnswer is an error answer: {"error": Code, "message": Message}. Messages
// are written for the calling application's developers and never carry a
// token, a credential or a stack trace.
type errorAnswer struct {
	Status  int
	Code    string
	Message string
}

func (e *errorAnswer) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func apiError(status int, code, format string, args ...any) *errorAnswer {
	return &errorAnswer{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errorResponse(e *errorAnswer) Response {
	b, _ := json.Marshal(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{e.Code, e.Message}) // two strings always marshal
	return Response{Status: e.Status, Code: e.Code, Body: b}
}

// tooManyRequests is a 429 with Retry-After rounded up to whole seconds.
func tooManyRequests(wait time.Duration, message string) Response {
	r := errorResponse(apiError(http.StatusTooManyRequests, "TooManyRequests", "%s", message))
	r.Header = map[string]string{"Retry-After": fmt.Sprint(max(1, int(math.Ceil(wait.Seconds()))))}
	return r
}
