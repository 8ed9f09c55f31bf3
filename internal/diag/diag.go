// Package diag diagnoses a trusted identity propagation setup, from the
// IdP to the identity-enhanced session: profile, IdP discovery, the ID
// token (claims and signature), the IAM Identity Center application and
// its trusted token issuer, the identity store user, assignments, access
// scopes, and a live run of the exchange chain one step at a time.
//
// Checks are data (Check), never prints: `tip-cli diag` renders them. Each
// check is small and independent; a check whose AWS call is refused
// (AccessDeniedException) is reported with StatusError ("could not check:
// needs sso:DescribeApplication") instead of aborting the diagnosis.
package diag

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// Status is the outcome of one check.
type Status string

// Check outcomes.
const (
	StatusPass  Status = "pass"
	StatusFail  Status = "fail"
	StatusWarn  Status = "warn"
	StatusSkip  Status = "skip"
	StatusError Status = "error" // could not check (permission, network)
)

// Check is one diagnosis step. Detail says what was found, Hint what to do
// about a failure or warning. Data carries the values behind the verdict
// (claims, policy documents, scopes); it never holds a token or a secret.
type Check struct {
	ID     string         `json:"id"`
	Title  string         `json:"title"`
	Status Status         `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Hint   string         `json:"hint,omitempty"`
	Data   map[string]any `json:"data,omitempty"`
}

// Summary counts checks by status.
type Summary struct {
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Warnings      int `json:"warnings"`
	CouldNotCheck int `json:"could_not_check"`
	Skipped       int `json:"skipped"`
}

// Report is a whole diagnosis.
type Report struct {
	Checks  []Check `json:"checks"`
	Summary Summary `json:"summary"`
}

// Add appends checks and updates the summary.
func (r *Report) Add(cs ...Check) {
	for _, c := range cs {
		r.Checks = append(r.Checks, c)
		switch c.Status {
		case StatusPass:
			r.Summary.Passed++
		case StatusFail:
			r.Summary.Failed++
		case StatusWarn:
			r.Summary.Warnings++
		case StatusError:
			r.Summary.CouldNotCheck++
		case StatusSkip:
			r.Summary.Skipped++
		}
	}
}

// Failed reports whether any check failed.
func (r *Report) Failed() bool { return r.Summary.Failed > 0 }

// Find returns the check with id, or nil.
func (r *Report) Find(id string) *Check {
	for i := range r.Checks {
		if r.Checks[i].ID == id {
			return &r.Checks[i]
		}
	}
	return nil
}

func pass(id, title, detail string) Check {
	return Check{ID: id, Title: title, Status: StatusPass, Detail: detail}
}

func fail(id, title, detail, hint string) Check {
	return Check{ID: id, Title: title, Status: StatusFail, Detail: detail, Hint: hint}
}

func warn(id, title, detail, hint string) Check {
	return Check{ID: id, Title: title, Status: StatusWarn, Detail: detail, Hint: hint}
}

func skip(id, title, reason string) Check {
	return Check{ID: id, Title: title, Status: StatusSkip, Detail: reason}
}

// couldNot reports a check that could not run because its AWS call failed
// for a reason other than the configuration under test. action is the IAM
// action the call needs (sso:DescribeApplication).
func couldNot(id, title, action string, err error) Check {
	c := Check{ID: id, Title: title, Status: StatusError}
	switch code := errorCode(err); {
	case code == "AccessDeniedException" || code == "AccessDenied":
		c.Detail = "could not check: needs " + action
		c.Hint = "run diag with AWS credentials allowed " + action + " (e.g. an Identity Center administrator)"
	case strings.Contains(err.Error(), "failed to retrieve credentials") || strings.Contains(err.Error(), "anonymous credentials"):
		c.Detail = "could not check: no AWS credentials to call " + action
		c.Hint = "set AWS_PROFILE or AWS credentials of an Identity Center administrator and run diag again"
	default:
		c.Detail = "could not check: " + oneLine(err.Error(), 300)
	}
	return c
}

// errorCode returns the AWS error code of err, or "".
func errorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

// isNotFound reports a ResourceNotFoundException.
func isNotFound(err error) bool { return errorCode(err) == "ResourceNotFoundException" }

// oneLine makes untrusted text safe for one terminal line and cuts it to max runes.
func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)), " ")
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// quoteList formats values as "a", "b".
func quoteList(vs []string) string {
	q := make([]string, len(vs))
	for i, v := range vs {
		q[i] = fmt.Sprintf("%q", v)
	}
	return strings.Join(q, ", ")
}
