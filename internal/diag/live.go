package diag

import (
	"context"
	"errors"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/exchange"
	"github.com/tip-cli/tip-cli/internal/iamoidc"
)

// Check ids of the live chain: the fresh token, then one per step of the
// profile's path (exchange.Step.CheckID).
const (
	IDLiveToken         = "live-token"
	IDLiveWebIdentity   = exchange.CheckWebIdentity
	IDLiveCreateToken   = exchange.CheckCreateToken
	IDLiveAssumeRole    = exchange.CheckAssumeRole
	IDLiveFederatedRole = exchange.CheckFederatedRole
)

const liveTokenTitle = "Fresh ID token for the live check"

// Live walks the profile's exchange path one step at a time with a fresh ID
// token: the same step list the exchange runs, so diag names exactly the
// step that fails.
type Live struct {
	Chain *exchange.Chain
	// FreshIDToken returns an ID token never yet used as an assertion
	// (a refresh of the signed-in session).
	FreshIDToken func(ctx context.Context) (string, error)
	// Scope is the profile's session policies.
	Scope exchange.Scope
}

// pathOf is the path a profile's live check walks (identity-center
// without a profile).
func pathOf(p *config.Profile) exchange.Path {
	if p == nil {
		return exchange.IdentityCenterPath()
	}
	return exchange.PathFor(p.TIPMode())
}

// SkipLive returns the live checks of path skipped for reason.
func SkipLive(path exchange.Path, reason string) []Check {
	out := []Check{skip(IDLiveToken, liveTokenTitle, reason)}
	return append(out, skipSteps(path.Steps, reason)...)
}

func skipSteps(steps []exchange.Step, reason string) []Check {
	out := make([]Check, 0, len(steps))
	for _, s := range steps {
		out = append(out, skip(s.CheckID, s.Title, reason))
	}
	return out
}

// Run walks the chain and reports the step that fails with its AWS error
// code and likely cause; later steps are skipped. The credentials it mints
// are discarded.
func (l *Live) Run(ctx context.Context) []Check {
	tok, err := l.FreshIDToken(ctx)
	if err != nil {
		out := SkipLive(l.Chain.Path, "needs a fresh ID token")
		out[0] = fail(IDLiveToken, liveTokenTitle, oneLine(err.Error(), 300), "sign in again with `tip-cli auth`")
		return out
	}
	out := []Check{pass(IDLiveToken, liveTokenTitle, "")}
	done := 0
	_, err = l.Chain.Walk(ctx, tok, l.Scope, func(step exchange.Step, s *exchange.State, detail string, err error) {
		done++
		if err != nil {
			out = append(out, stepFailure(step.CheckID, step.Title, err))
			return
		}
		c := pass(step.CheckID, step.Title, detail)
		c.Data = stepData(step, s)
		out = append(out, c)
	})
	if err != nil {
		failed := l.Chain.Path.Steps[done-1].Name
		out = append(out, skipSteps(l.Chain.Path.Steps[done:], string(failed)+" failed")...)
	}
	return out
}

// stepData is what a passed step adds to the JSON report.
func stepData(step exchange.Step, s *exchange.State) map[string]any {
	switch {
	case step.CheckID == IDLiveCreateToken && s.Identity != nil:
		return map[string]any{"user_id": s.Identity.UserID}
	case s.Result != nil:
		d := map[string]any{"assumed_role_arn": s.Result.AssumedRoleARN, "expiration": s.Result.Expiration}
		if o := s.Result.Origin; o != nil {
			d["origin"] = originData(o)
		}
		return d
	}
	return nil
}

// originData shows who the federated session carries: the subject type and
// issuer, and the subject itself only as whether it is present (diag
// reports are pasted into tickets; `auth status` names the person).
func originData(o *cred.Origin) map[string]any {
	return map[string]any{"subject_type": o.SubjectType, "issuer": o.Issuer, "federated_provider_arn": o.FederatedProviderARN}
}

// stepFailure turns a chain error into a failed check: the AWS code and
// message as detail, exchange.StepError's hint as the fix.
func stepFailure(id, title string, err error) Check {
	var nc *exchange.NoContextError
	if errors.As(err, &nc) {
		return fail(id, title, "STS answered without a trusted identity propagation context: the session does not carry you",
			iamoidc.ContextProviderCommand(iamoidc.ProviderARN(nc.RoleARN, nc.Issuer), "email", "user")+" (see docs/setup.md)")
	}
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
