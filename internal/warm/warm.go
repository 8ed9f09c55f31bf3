// Package warm decides what the cached credential path may serve: which
// stored session or S3 Access Grants credentials are fresh enough, and the
// floor below which credentials are never handed out. tip-cli's session
// manager and the lean credential_process binary both decide through here,
// so the two can never disagree about serving from the cache. It is free of
// the AWS SDK, cobra and oidc on purpose: the lean binary links it.
package warm

import (
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/store"
)

// Floor is the least validity credentials printed by get-iam-credentials
// must have left: a consumer could not use less before it expires.
const Floor = time.Minute

// Session returns the cached session for the scope key when it was minted
// under chain (the profile's config.Profile.ChainID: same mode, roles and
// application) and policy still serves it at now, else nil. s is the served
// part of a bundle (Store.GetServed, or Bundle.ServedPart under the lock)
// and may be nil.
func Session(s *store.Served, key, chain string, policy credproc.Policy, now time.Time) *cred.Credentials {
	if c := s.Session(key); c != nil && c.Chain == chain && policy.FreshCredentials(now, c) {
		return c
	}
	return nil
}

// TooSoon reports whether c expires within Floor of now.
func TooSoon(c *cred.Credentials, now time.Time) bool {
	return c.Expiration.Before(now.Add(Floor))
}

// Printable returns the cached session for key that get-iam-credentials
// would print at now without any network call: fresh per policy and not
// TooSoon. nil means the full command must run.
func Printable(s *store.Served, key, chain string, policy credproc.Policy, now time.Time) *cred.Credentials {
	c := Session(s, key, chain, policy, now)
	if c == nil || TooSoon(c, now) {
		return nil
	}
	return c
}

// Grant returns the cached S3 Access Grants credentials that serve req at
// now (see s3ag.Lookup), minted from a session of chain and fresh per
// policy, or nil (s may be nil).
func Grant(s *store.Served, req s3ag.Request, chain string, policy credproc.Policy, now time.Time) *cred.Grant {
	if s == nil {
		return nil
	}
	return s3ag.Lookup(s.Grants, req, now, func(c *cred.Credentials) bool {
		return c.Chain == chain && policy.FreshCredentials(now, c)
	})
}
