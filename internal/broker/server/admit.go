package server

import (
	"net/http"
	"net/netip"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// refusal is an authenticated caller turned away before its request runs;
// it carries the answer (a 403, or a 429 with Retry-After) through caller
// authentication, which calls admit before remembering the signature.
type refusal struct{ resp Response }

func (r *refusal) Error() string { return string(r.resp.Body) }

// admit applies the per-caller checks every request passes before it is
// routed: a session the broker issued is not an application (a tenant's
// own credentials must not call the broker), and the per-caller rate
// limit. Standalone mode runs it inside caller authentication, so a
// refused caller's signature takes no replay-cache slot; Lambda mode in
// route.
func (s *Service) admit(c callerauth.Caller) error {
	if err := callerauth.CheckNotBrokerIssued(c); err != nil {
		return &refusal{errorResponse(apiError(http.StatusForbidden, "CallerNotAllowed", "%v", err))}
	}
	if s.Limiter != nil {
		if wait, ok := s.Limiter.Allow(c.RoleARN, s.now()); !ok {
			return &refusal{tooManyRequests(wait, "rate limit exceeded for this caller")}
		}
	}
	return nil
}

// sourceKey is the per-source limiter's key for a client address: the
// address itself for IPv4, its /64 for IPv6, since one host commonly
// holds a whole /64 and could otherwise spread over 2^64 buckets.
func sourceKey(source string) string {
	a, err := netip.ParseAddr(source)
	if err != nil {
		return source
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(64)
	if err != nil {
		return source
	}
	return p.String()
}
