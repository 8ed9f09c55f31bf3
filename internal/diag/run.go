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
	// FetchTokenIssuer allows, when there is no profile, fetching the
	// discovery document and JWKS from the token's own iss. The token is
	// unverified, so by default its issuer is never contacted: a hostile
	// token must not make diag send requests where it chooses.
	FetchTokenIssuer bool
	// ApplicationARN is -a or the profile's application; "" skips the
	// Identity Center checks.
	ApplicationARN string
	HTTPClient     *http.Client
	// IdentityCenter is nil when no AWS configuration could be loaded;
	// IdentityCenterErr then says why.
	IdentityCenter    *IdentityCenter
	IdentityCenterErr error
	// Federation runs the IAM checks of an iam-federation profile; nil when
	// no AWS configuration could be loaded (FederationErr says why).
	Federation    *Federation
	FederationErr error
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
	idpChecks := idpChecks(ctx, o)
	r.Add(idpChecks[0])
	r.Add(CheckToken(o.Token, o.Profile, now())...)
	r.Add(idpChecks[1])
	if o.Profile != nil && o.Profile.TIPMode() == config.TIPModeIAMFederation {
		r.Add(federationChecks(ctx, o)...)
	} else {
		r.Add(identityCenterChecks(ctx, o)...)
	}
	switch {
	case o.Live != nil:
		r.Add(o.Live.Run(ctx)...)
	default:
		r.Add(SkipLive(pathOf(o.Profile), o.LiveSkip)...)
	}
	return r
}

// idpChecks runs CheckIdP against the profile's issuer, or without a
// profile against the token's own iss only when FetchTokenIssuer allows it
// and that iss passes the same URL rules as a configured issuer.
func idpChecks(ctx context.Context, o Options) []Check {
	switch {
	case o.Profile != nil:
		return CheckIdP(ctx, o.HTTPClient, o.Profile.Issuer(), o.Token.JWT)
	case o.Token.JWT == nil:
		return CheckIdP(ctx, o.HTTPClient, "", nil)
	}
	iss := o.Token.JWT.String("iss")
	if !o.FetchTokenIssuer {
		return []Check{
			skip(IDDiscovery, discTitle, "no profile: the unverified token's own issuer is not contacted (pass --fetch-token-issuer to fetch "+iss+"'s discovery document and keys)"),
			skip(IDJWTSignature, sigTitle, "needs IdP discovery"),
		}
	}
	if err := config.ValidateIssuerURL(iss); err != nil {
		return []Check{
			fail(IDDiscovery, discTitle, "the token's iss is not a usable issuer URL: "+err.Error(), "the IdP must set iss to its https issuer URL"),
			skip(IDJWTSignature, sigTitle, "needs IdP discovery"),
		}
	}
	return CheckIdP(ctx, o.HTTPClient, iss, o.Token.JWT)
}

func federationChecks(ctx context.Context, o Options) []Check {
	if o.Federation == nil {
		detail := "no AWS configuration"
		if o.FederationErr != nil {
			detail = oneLine(o.FederationErr.Error(), 300)
		}
		out := SkipFederation("needs IAM read access")
		out[0] = Check{ID: IDFedProvider, Title: fedTitles[IDFedProvider], Status: StatusError, Detail: "could not check: " + detail,
			Hint: "set a region and AWS credentials allowed iam:GetOpenIDConnectProvider and iam:GetRole"}
		return out
	}
	return o.Federation.Run(ctx, o.Profile, o.Token.JWT)
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
