package diag

import (
	"context"
	"errors"
	"strings"

	"github.com/tip-cli/tip-cli/internal/exchange"
)

// Check ids of the live chain.
const (
	IDLiveToken       = "live-token"
	IDLiveWebIdentity = "live-web-identity"
	IDLiveCreateToken = "live-create-token"
	IDLiveAssumeRole  = "live-assume-role"
)

const (
	liveTokenTitle = "Fresh ID token for the live check"
	liveWebTitle   = "Live: AssumeRoleWithWebIdentity into the OIDC role"
	liveCTTitle    = "Live: CreateTokenWithIAM with the application"
	liveARTitle    = "Live: AssumeRole into the identity-enhanced role"
)

// Live runs the exchange chain one step at a time with a fresh ID token.
type Live struct {
	Chain *exchange.Chain
	// FreshIDToken returns an ID token never yet used as an assertion
	// (a refresh of the signed-in session).
	FreshIDToken func(ctx context.Context) (string, error)
	// Scope is the profile's session policies.
	Scope exchange.Scope
}

// SkipLive returns the live checks skipped for reason.
func SkipLive(reason string) []Check {
	return []Check{
		skip(IDLiveToken, liveTokenTitle, reason),
		skip(IDLiveWebIdentity, liveWebTitle, reason),
		skip(IDLiveCreateToken, liveCTTitle, reason),
		skip(IDLiveAssumeRole, liveARTitle, reason),
	}
}

// Run runs the chain and reports the step that fails with its AWS error
// code and likely cause; later steps are skipped. The credentials it mints
// are discarded.
func (l *Live) Run(ctx context.Context) []Check {
	tok, err := l.FreshIDToken(ctx)
	if err != nil {
		out := SkipLive("needs a fresh ID token")
		out[0] = fail(IDLiveToken, liveTokenTitle, oneLine(err.Error(), 300), "sign in again with `tip-cli auth`")
		return out
	}
	out := []Check{pass(IDLiveToken, liveTokenTitle, "")}
	creds, err := l.Chain.AssumeOIDCRole(ctx, tok)
	if err != nil {
		return append(out, stepFailure(IDLiveWebIdentity, liveWebTitle, err),
			skip(IDLiveCreateToken, liveCTTitle, "AssumeRoleWithWebIdentity failed"),
			skip(IDLiveAssumeRole, liveARTitle, "AssumeRoleWithWebIdentity failed"))
	}
	out = append(out, pass(IDLiveWebIdentity, liveWebTitle, l.Chain.OIDCRoleARN))
	id, err := l.Chain.CreateToken(ctx, creds, tok)
	if err != nil {
		return append(out, stepFailure(IDLiveCreateToken, liveCTTitle, err),
			skip(IDLiveAssumeRole, liveARTitle, "CreateTokenWithIAM failed"))
	}
	ct := pass(IDLiveCreateToken, liveCTTitle, "Identity Center user "+id.UserID)
	ct.Data = map[string]any{"user_id": id.UserID}
	out = append(out, ct)
	sess, err := l.Chain.AssumeIdentityEnhancedRole(ctx, creds, id, l.Scope)
	if err != nil {
		return append(out, stepFailure(IDLiveAssumeRole, liveARTitle, err))
	}
	ar := pass(IDLiveAssumeRole, liveARTitle, sess.AssumedRoleARN)
	ar.Data = map[string]any{"assumed_role_arn": sess.AssumedRoleARN, "expiration": sess.Expiration}
	return append(out, ar)
}

// stepFailure turns a chain error into a failed check: the AWS code and
// message as detail, exchange.StepError's hint as the fix.
func stepFailure(id, title string, err error) Check {
	var se *exchange.StepError
	if !errors.As(err, &se) {
		return fail(id, title, oneLine(err.Error(), 300), "")
	}
	if se.Code == "" {
		return Check{ID: id, Title: title, Status: StatusError, Detail: "could not check: " + oneLine(se.Err.Error(), 300),
			Hint: "check the network and the AWS endpoint configuration (region, AWS_ENDPOINT_URL*)"}
	}
	hint := strings.TrimSuffix(se.Hint(), "; run `tip-cli diag`")
	if hint == "" {
		hint = "see docs/troubleshooting.md for " + string(se.Step) + " " + se.Code
	}
	detail := se.Code
	if msg := oneLine(se.Message, 300); msg != "" {
		detail += ": " + msg
	}
	c := fail(id, title, detail, hint)
	c.Data = map[string]any{"step": string(se.Step), "code": se.Code, "resource": se.Resource}
	return c
}
