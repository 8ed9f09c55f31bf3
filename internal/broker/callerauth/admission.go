package callerauth

import (
	"errors"
	"fmt"
	"strings"
)

// BrokerSessionPrefix starts the RoleSessionName of every session the
// broker issues (end users' credentials and registration probes). STS puts
// the session name into the session's ARN, which GetCallerIdentity and API
// Gateway report, so a tenant's broker-issued credentials are recognisable
// when they come back as a caller.
const BrokerSessionPrefix = "tip-broker."

// ErrBrokerIssued is wrapped when the caller is a session the broker itself
// issued (HTTP 403): a tenant's credentials are not an application, and
// letting them call would let every end user spend the broker's capacity.
var ErrBrokerIssued = fmt.Errorf("%w: broker-issued credentials", ErrNotAllowed)

// ErrCallerQuota is wrapped when one caller role already holds its share
// of the replay cache (HTTP 429): no principal can fill it for the others.
var ErrCallerQuota = errors.New("too many unexpired presigned requests for this caller")

// SessionName is the session part of an assumed-role caller ARN, "" for a
// role ARN.
func (c Caller) SessionName() string {
	_, rest, ok := strings.Cut(c.ARN, ":assumed-role/")
	if !ok {
		return ""
	}
	_, session, _ := strings.Cut(rest, "/")
	return session
}

// BrokerIssued reports whether c is a session the broker issued.
func (c Caller) BrokerIssued() bool {
	return strings.HasPrefix(c.SessionName(), BrokerSessionPrefix)
}

// CheckNotBrokerIssued refuses a caller the broker issued with an error
// wrapping ErrBrokerIssued.
func CheckNotBrokerIssued(c Caller) error {
	if c.BrokerIssued() {
		return fmt.Errorf("%w: %s is a session the broker issued to an end user; only applications may call the broker", ErrBrokerIssued, truncate(c.ARN))
	}
	return nil
}
