package s3ag

import (
	"fmt"
	"time"

	"github.com/tip-cli/tip-cli/internal/awsid"
	"github.com/tip-cli/tip-cli/internal/cred"
)

// Duration limits GetDataAccess accepts, in seconds; 0 asks for the
// service default (3600).
const (
	MinDurationSeconds = 900
	MaxDurationSeconds = 43200
)

// StaleAfter is how long after expiry Upsert keeps a cached grant (so
// list-credentials can still show it as expired) before dropping it.
const StaleAfter = 24 * time.Hour

// Request is one GetDataAccess request, also the cache lookup key.
type Request struct {
	Target     URI
	Permission Permission
	// Privilege is Default or Minimal; empty means Default.
	Privilege Privilege
	// TargetType is "" or "Object".
	TargetType string
	// DurationSeconds is 900–43200, or 0 for the service default.
	DurationSeconds int32
	// AccountID is the 12-digit account of the Access Grants instance.
	AccountID string
}

// canonical returns r with permission, privilege (Default when empty)
// and target type in canonical form, after checking them and the target.
func (r Request) canonical() (Request, error) {
	if u, err := ParseURI(r.Target.String()); err != nil {
		return r, err
	} else if u != r.Target {
		return r, fmt.Errorf("invalid S3 URI %q: bucket and key do not round-trip", r.Target.String())
	}
	var err error
	if r.Permission, err = ParsePermission(string(r.Permission)); err != nil {
		return r, err
	}
	if r.Privilege == "" {
		r.Privilege = PrivilegeDefault
	} else if r.Privilege, err = ParsePrivilege(string(r.Privilege)); err != nil {
		return r, err
	}
	if r.TargetType, err = ParseTargetType(r.TargetType, r.Target); err != nil {
		return r, err
	}
	return r, nil
}

// Validate checks every field locally, so malformed requests never reach
// the network. Permission, privilege and target type are accepted in any
// case.
func (r Request) Validate() error {
	_, err := r.Validated()
	return err
}

// Validated is Validate returning the canonical request (upper-case
// permission, Default privilege when empty, canonical target type).
func (r Request) Validated() (Request, error) {
	r, err := r.canonical()
	if err != nil {
		return r, err
	}
	if d := r.DurationSeconds; d != 0 && (d < MinDurationSeconds || d > MaxDurationSeconds) {
		return r, fmt.Errorf("invalid duration %d seconds: must be %d-%d", d, MinDurationSeconds, MaxDurationSeconds)
	}
	return r, awsid.ValidateAccountID(r.AccountID)
}

// Lookup returns the cached grant that serves req, or nil (also when req
// is malformed; AccountID and DurationSeconds may be empty). A grant serves
// req when its scope (the matched grant target) covers req.Target, its
// permission covers req.Permission, privilege and target type are equal,
// its account matches (when both are known), and its credentials have not
// expired at now and are fresh per the injected expiry policy (nil means
// "not expired" suffices). For Minimal privilege the credentials only
// cover the target originally requested, so that target must also cover
// req.Target (or equal it). Among several, the most specific scope wins.
func Lookup(grants []*cred.Grant, req Request, now time.Time, fresh func(*cred.Credentials) bool) *cred.Grant {
	req, err := req.canonical()
	if err != nil {
		return nil
	}
	target := req.Target.String()
	var best *cred.Grant
	bestRank := -1
	for _, g := range grants {
		if !serves(g, req, target) || !usable(g.Credentials, now, fresh) {
			continue
		}
		rank := specificity(g.Target)
		if req.Privilege == PrivilegeMinimal {
			rank = specificity(g.Requested)
			if g.Requested == target {
				rank = 2 * exactRank
			}
		}
		if rank > bestRank || rank == bestRank && better(g, best, req.Permission) {
			best, bestRank = g, rank
		}
	}
	return best
}

// serves reports whether grant g's scope and attributes match req.
func serves(g *cred.Grant, req Request, target string) bool {
	if g == nil || g.Credentials == nil {
		return false
	}
	if !Covers(Permission(g.Permission), req.Permission) ||
		Privilege(g.Privilege) != req.Privilege || g.TargetType != req.TargetType {
		return false
	}
	if req.AccountID != "" && g.Credentials.AccountID != "" && g.Credentials.AccountID != req.AccountID {
		return false
	}
	if !ScopeCovers(g.Target, target) {
		return false
	}
	if req.Privilege == PrivilegeMinimal {
		return g.Requested == target || ScopeCovers(g.Requested, target)
	}
	return true
}

// usable reports whether c is unexpired at now and fresh per policy.
func usable(c *cred.Credentials, now time.Time, fresh func(*cred.Credentials) bool) bool {
	if !now.Before(c.Expiration) {
		return false
	}
	return fresh == nil || fresh(c)
}

// better breaks ties between equally specific grants: the exact permission
// first, then the later expiry.
func better(g, cur *cred.Grant, want Permission) bool {
	if cur == nil {
		return true
	}
	ge, ce := Permission(g.Permission) == want, Permission(cur.Permission) == want
	if ge != ce {
		return ge
	}
	return g.Credentials.Expiration.After(cur.Credentials.Expiration)
}

// Upsert returns grants with g added, replacing any entry with the same
// key (target, permission, privilege, target type; for Minimal also the
// requested target, since those credentials cover only it), and dropping
// entries without credentials or expired more than StaleAfter before now.
// The input slice is not modified.
func Upsert(grants []*cred.Grant, g *cred.Grant, now time.Time) []*cred.Grant {
	out := make([]*cred.Grant, 0, len(grants)+1)
	for _, old := range grants {
		if old == nil || old.Credentials == nil || sameKey(old, g) {
			continue
		}
		if now.Sub(old.Credentials.Expiration) > StaleAfter {
			continue
		}
		out = append(out, old)
	}
	if g != nil {
		out = append(out, g)
	}
	return out
}

// sameKey reports whether a and b occupy the same cache slot.
func sameKey(a, b *cred.Grant) bool {
	if b == nil {
		return false
	}
	if a.Target != b.Target || a.Permission != b.Permission ||
		a.Privilege != b.Privilege || a.TargetType != b.TargetType {
		return false
	}
	return Privilege(a.Privilege) != PrivilegeMinimal || a.Requested == b.Requested
}
