package diag

import (
	"context"
	"net/http"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
)

// Check ids of the Identity Center group when it cannot run at all.
const idIdentityCenter = "identity-center"

// Options are the inputs of a whole diagnosis. Every dependency with I/O
// is injected: the HTTP client for the IdP, SDK clients for Identity
// Center, the live chain.
type Options struct {
	// Profile is the selected profile, nil when none; ProfileErr is why.
	Profile    *config.Profile
	ProfileErr error
	Token      Token
	// ApplicationARN is -a or the profile's application; "" skips the
	// Identity Center checks.
	ApplicationARN string
	HTTPClient     *http.Client
	// IdentityCenter is nil when no AWS configuration could be loaded;
	// IdentityCenterErr then says why.
	IdentityCenter    *IdentityCenter
	IdentityCenterErr error
	// Live is nil when the live check does not run; LiveSkip says why.
	Live     *Live
	LiveSkip string
	Now      func() time.Time
}

// Run runs every check in order and returns the report.
func Run(ctx context.Context, o Options) *Report {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	r := &Report{Checks: []Check{}}
	r.Add(CheckProfile(o.Profile, o.ProfileErr, o.Token.JWT != nil))
	issuer := ""
	if o.Profile != nil {
		issuer = o.Profile.Issuer()
	} else if o.Token.JWT != nil {
		issuer = o.Token.JWT.String("iss")
	}
	idpChecks := CheckIdP(ctx, o.HTTPClient, issuer, o.Token.JWT)
	r.Add(idpChecks[0])
	r.Add(CheckToken(o.Token, o.Profile, now())...)
	r.Add(idpChecks[1])
	r.Add(identityCenterChecks(ctx, o)...)
	switch {
	case o.Live != nil:
		r.Add(o.Live.Run(ctx)...)
	default:
		r.Add(SkipLive(o.LiveSkip)...)
	}
	return r
}

func identityCenterChecks(ctx context.Context, o Options) []Check {
	const title = "IAM Identity Center configuration"
	switch {
	case o.ApplicationARN == "":
		return []Check{skip(idIdentityCenter, title, "no application ARN: pass -a or configure token_exchange_application_arn")}
	case o.IdentityCenter == nil:
		detail := "no AWS configuration"
		if o.IdentityCenterErr != nil {
			detail = oneLine(o.IdentityCenterErr.Error(), 300)
		}
		return []Check{{ID: idIdentityCenter, Title: title, Status: StatusError, Detail: "could not check: " + detail,
			Hint: "set a region (profile region or AWS_REGION) and AWS credentials of an Identity Center administrator"}}
	}
	oidcRole := ""
	if o.Profile != nil {
		oidcRole = o.Profile.OIDCRoleARN
	}
	return o.IdentityCenter.Run(ctx, ICInput{ApplicationARN: o.ApplicationARN, OIDCRoleARN: oidcRole, Token: o.Token.JWT})
}
