package diag

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tip-cli/tip-cli/internal/config"
)

// Clock skew tolerated on iat/nbf before a warning, and before a failure.
const (
	skewWarn = 30 * time.Second
	skewFail = 5 * time.Minute
)

// Titles of the IdP checks.
const (
	discTitle = "Identity provider discovery document is reachable"
	sigTitle  = "ID token signature verifies against the issuer's JWKS"
)

// Check ids of the local checks.
const (
	IDProfile      = "profile"
	IDDiscovery    = "idp-discovery"
	IDJWTDecode    = "jwt-decode"
	IDJWTExpiry    = "jwt-expiry"
	IDJWTIssuer    = "jwt-issuer"
	IDJWTAudience  = "jwt-audience"
	IDJWTSignature = "jwt-signature"
)

// Token is the ID token under diagnosis.
type Token struct {
	// JWT is nil when no token is available; Missing then says why.
	JWT     *JWT
	Missing string
	// FromStore is set for the signed-in profile's stored token (it may
	// be expired and already used; the live check refreshes it).
	FromStore   bool
	Refreshable bool
}

// checkProfile reports whether the profile is configured and valid. err is
// the error loading it; p is nil when there is none. A missing profile
// with a token to diagnose (-j) is skipped rather than failed.
func checkProfile(p *config.Profile, err error, haveToken bool) Check {
	const title = "Profile configuration is valid"
	var nc *config.NotConfiguredError
	switch {
	case p == nil && errors.As(err, &nc) && haveToken:
		return skip(IDProfile, title, "no profile configured: checking the -j token and -a application only")
	case p == nil && err != nil:
		return fail(IDProfile, title, oneLine(err.Error(), 300), "run `tip-cli configure idp`, or pass -j JWT and -a APPLICATION_ARN")
	case p == nil:
		return skip(IDProfile, title, "no profile")
	}
	if verr := p.Validate(); verr != nil {
		return fail(IDProfile, title, oneLine(verr.Error(), 300), "fix the profile with `tip-cli configure idp`")
	}
	return pass(IDProfile, title, "")
}

// checkToken reports on the already decoded token's claims (expiry and
// clock skew, iss and aud against the profile, nil when none) at now.
func checkToken(tok Token, p *config.Profile, now time.Time) []Check {
	const decodeTitle = "ID token decodes"
	if tok.JWT == nil {
		reason := tok.Missing
		if reason == "" {
			reason = "no ID token"
		}
		return []Check{
			fail(IDJWTDecode, decodeTitle, reason, "sign in with `tip-cli auth`, or pass an ID token with -j"),
			skip(IDJWTExpiry, "ID token is within its validity period", "needs an ID token"),
			skip(IDJWTIssuer, "ID token issuer matches the profile", "needs an ID token"),
			skip(IDJWTAudience, "ID token audience is the profile's client id", "needs an ID token"),
		}
	}
	c := pass(IDJWTDecode, decodeTitle, "")
	c.Data = tok.JWT.Summary()
	return []Check{c, checkExpiry(tok, now), checkIssuer(tok.JWT, p), checkAudience(tok.JWT, p)}
}

func checkExpiry(tok Token, now time.Time) Check {
	const title = "ID token is within its validity period"
	t := tok.JWT
	for _, name := range []string{"nbf", "iat"} {
		at, ok := t.Time(name)
		if !ok {
			continue
		}
		ahead := at.Sub(now)
		if ahead > skewFail {
			return fail(IDJWTExpiry, title, fmt.Sprintf("%s is %s in the future (%s): clock skew", name, ahead.Round(time.Second), at.Format(time.RFC3339)),
				"this machine's clock or the IdP's is wrong: sync the clock (NTP); AWS rejects tokens from the future")
		}
		if ahead > skewWarn {
			c := warn(IDJWTExpiry, title, fmt.Sprintf("%s is %s in the future: small clock skew", name, ahead.Round(time.Second)), "sync this machine's clock (NTP)")
			return c
		}
	}
	exp, ok := t.Time("exp")
	if !ok {
		return fail(IDJWTExpiry, title, "the token has no valid exp claim", "the IdP must issue ID tokens with exp (OpenID Connect Core §2)")
	}
	if !now.Before(exp) {
		detail := fmt.Sprintf("expired at %s (%s ago)", exp.Format(time.RFC3339), now.Sub(exp).Round(time.Second))
		if tok.FromStore && tok.Refreshable {
			return warn(IDJWTExpiry, title, detail+"; the stored sign-in is refreshable", "normal for a stored token: the live check and every credential request refresh it")
		}
		return fail(IDJWTExpiry, title, detail, "get a fresh ID token (`tip-cli auth`, or a new -j token)")
	}
	return pass(IDJWTExpiry, title, "expires "+exp.Format(time.RFC3339))
}

func checkIssuer(t *JWT, p *config.Profile) Check {
	const title = "ID token issuer matches the profile"
	iss := t.String("iss")
	switch {
	case iss == "":
		return fail(IDJWTIssuer, title, "the token has no iss claim", "the IdP must set iss to its issuer URL")
	case p == nil:
		return skip(IDJWTIssuer, title, "no profile to compare with (token iss "+iss+")")
	case strings.TrimRight(iss, "/") != strings.TrimRight(p.Issuer(), "/"):
		return fail(IDJWTIssuer, title, fmt.Sprintf("token iss is %q, the profile's issuer is %q", iss, p.Issuer()),
			"the token comes from another IdP or authorization server: fix the profile's issuer (`tip-cli configure idp`) or use a token of that issuer")
	}
	return pass(IDJWTIssuer, title, iss)
}

func checkAudience(t *JWT, p *config.Profile) Check {
	const title = "ID token audience is the profile's client id"
	aud := t.Audience()
	switch {
	case len(aud) == 0:
		return fail(IDJWTAudience, title, "the token has no aud claim", "the IdP must set aud to the client id")
	case p == nil:
		return skip(IDJWTAudience, title, "no profile to compare with (token aud "+quoteList(aud)+")")
	}
	for _, a := range aud {
		if a == p.Client() {
			return pass(IDJWTAudience, title, a)
		}
	}
	return fail(IDJWTAudience, title, fmt.Sprintf("token aud is %s, the profile's client id is %q", quoteList(aud), p.Client()),
		"use the client id of the IdP application that issued the token (`tip-cli configure idp`)")
}

// checkIdP fetches the issuer's discovery document (OpenID Connect
// Discovery §4) and verifies the token's signature against its JWKS. Only
// the signature (and alg) is judged here: iss, aud and exp have their own
// checks. tok may be nil.
func checkIdP(ctx context.Context, hc *http.Client, issuer string, tok *JWT) []Check {
	if issuer == "" {
		return []Check{skip(IDDiscovery, discTitle, "no issuer: needs a profile or a token with iss"), skip(IDJWTSignature, sigTitle, "needs IdP discovery")}
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	cctx := oidc.ClientContext(ctx, hc)
	prov, err := oidc.NewProvider(cctx, issuer)
	if err != nil {
		return []Check{
			fail(IDDiscovery, discTitle, oneLine(err.Error(), 300),
				"check the issuer URL ("+issuer+"/.well-known/openid-configuration must answer with a document whose issuer is exactly "+issuer+") and the network or proxy"),
			skip(IDJWTSignature, sigTitle, "needs IdP discovery"),
		}
	}
	disc := pass(IDDiscovery, discTitle, issuer)
	if tok == nil {
		return []Check{disc, skip(IDJWTSignature, sigTitle, "needs an ID token")}
	}
	v := prov.VerifierContext(cctx, &oidc.Config{SkipClientIDCheck: true, SkipExpiryCheck: true, SkipIssuerCheck: true})
	if _, err := v.Verify(cctx, tok.Raw); err != nil {
		c := fail(IDJWTSignature, sigTitle, oneLine(err.Error(), 300),
			"the token was not signed by a key of "+issuer+" (wrong issuer, rotated keys, or a tampered token): get a fresh token from that IdP")
		c.Data = map[string]any{"alg": tok.HeaderString("alg"), "kid": tok.HeaderString("kid")}
		return []Check{disc, c}
	}
	c := pass(IDJWTSignature, sigTitle, "")
	c.Data = map[string]any{"alg": tok.HeaderString("alg"), "kid": tok.HeaderString("kid")}
	return []Check{disc, c}
}
