package awsemu

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

type stsWebIdentityResult struct {
	XMLName                     xml.Name `xml:"AssumeRoleWithWebIdentityResult"`
	Credentials                 stsCredentialsXML
	SubjectFromWebIdentityToken string
	AssumedRoleUser             stsAssumedRoleUserXML
	PackedPolicySize            int `xml:",omitempty"`
	Provider                    string
	Audience                    string
	// TrustedIdentityPropagationContext is present only when the IAM OIDC
	// provider has a context provider (shape: the sts module's response
	// snapshot, awsQuery map entries as <entry><key/><value/></entry>).
	TrustedIdentityPropagationContext *stsTIPContextXML `xml:",omitempty"`
}

type stsTIPContextXML struct {
	OriginIdentity     stsOriginIdentityXML
	TransactionContext *stsTransactionContextXML `xml:",omitempty"`
}

type stsOriginIdentityXML struct {
	FederatedProviderArn string
	Issuer               string
	Subject              string
	SubjectType          string `xml:",omitempty"`
}

type stsTransactionContextXML struct {
	Entries []stsMapEntryXML `xml:"IdentityProvider>entry"`
}

type stsMapEntryXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// stsAssumeRoleWithWebIdentity enters an IAM role whose trust policy names
// the IAM OIDC provider of the token's issuer. The role must exist before
// the token is looked at; then the token (signature, iss,
// exp), the provider's ClientIDList, the trust conditions, the role's
// MaxSessionDuration and, when the provider has one, the context provider.
func (a *AWS) stsAssumeRoleWithWebIdentity(ctx context.Context, form url.Values, _ *Principal) (any, *awsAPIError) {
	req, apiErr := stsParseRequest(form, stsMaxWebID, "MaxSessionDuration set for this role.")
	if apiErr != nil {
		return nil, apiErr
	}
	tok := form.Get("WebIdentityToken")
	if n := len(tok); n < 4 || n > 20000 {
		return nil, stsValidation("1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length between 4 and 20000")
	}
	for k := range form {
		if strings.HasPrefix(k, "ProvidedContexts.") {
			return nil, stsValidation("ProvidedContexts is not supported by AssumeRoleWithWebIdentity")
		}
	}
	denied := awsErr(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
	role, ok := a.roleByARN(req.roleARN)
	if !ok {
		return nil, denied
	}
	id, apiErr := a.stsVerifyWebIdentity(ctx, tok)
	if apiErr != nil {
		return nil, apiErr
	}
	providerARN, provider, ok := a.iamProviderByIssuer(id.issuer)
	if !ok {
		return nil, awsErr(http.StatusBadRequest, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for %s", id.issuer)
	}
	if id.audience = awsFirstIn(id.audiences, provider.ClientIDs); id.audience == "" {
		return nil, awsErr(http.StatusBadRequest, "InvalidIdentityToken", "Incorrect token audience")
	}
	if !iamTrustsWebIdentity(role.TrustPolicy, stsTrustRequest(providerARN, provider.URL, id)) {
		return nil, denied
	}
	if req.duration > role.MaxSessionDuration {
		return nil, stsValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	var origin *OriginIdentity
	if provider.Context != nil {
		if origin, apiErr = stsOrigin(*provider.Context, providerARN, id); apiErr != nil {
			return nil, apiErr
		}
	}
	packed, apiErr := req.checkPolicies()
	if apiErr != nil {
		return nil, apiErr
	}
	kind, d := "oidc-role", req.duration
	if req.roleARN != a.OIDCRoleARN() {
		kind, d = "web-identity", a.lifetime(d)
	}
	p := a.roleSession(req.roleARN, req.session, kind, d)
	p.Origin = origin
	p, c := a.issue(p)
	return stsWebIdentityResult{
		Credentials:                       stsCredentials(p, c),
		SubjectFromWebIdentityToken:       id.subject,
		AssumedRoleUser:                   stsAssumedRoleUser(p),
		PackedPolicySize:                  packed,
		Provider:                          id.issuer,
		Audience:                          id.audience,
		TrustedIdentityPropagationContext: stsTIPContext(origin),
	}, nil
}

// stsVerifyWebIdentity checks the token's signature, iss and exp.
func (a *AWS) stsVerifyWebIdentity(ctx context.Context, tok string) (awsWebIdentity, *awsAPIError) {
	id, err := a.verifier.verifyAnyAudience(ctx, tok)
	switch {
	case errors.Is(err, errTokenExpired):
		return id, awsErr(http.StatusBadRequest, "ExpiredTokenException", "Token expired: current date/time %s must be before the expiration date/time", awsISO(a.now()))
	case errors.Is(err, errIdPComm):
		return id, awsErr(http.StatusBadRequest, "IDPCommunicationError", "Couldn't retrieve verification key from your identity provider")
	case err != nil:
		return id, awsErr(http.StatusBadRequest, "InvalidIdentityToken", "The web identity token is invalid: %v", err)
	}
	return id, nil
}

// stsTrustRequest names the condition keys IAM offers for an OIDC provider:
// <host>:aud, :sub and, where the token has them, :email and :amr.
func stsTrustRequest(providerARN, providerURL string, id awsWebIdentity) iamTrustRequest {
	host := iamProviderHost(providerURL)
	keys := map[string]string{host + ":aud": id.audience, host + ":sub": id.subject}
	if id.email != "" {
		keys[host+":email"] = id.email
	}
	return iamTrustRequest{providerARN: providerARN, keys: keys}
}

// stsOrigin builds the context the context provider puts into the session.
//
// A token without the SubjectSourceKey claim (or with a non-string one) is
// refused. The error AWS gives then is not documented: InvalidIdentityToken
// with this wording is a guess, chosen because the token, not the request,
// lacks what the provider requires. Likewise guessed: a missing
// SubjectTypeSourceKey claim or a key definition whose claim is absent
// leaves that key unset rather than failing, and a key definition without a
// TargetKey keeps the SourceKey's name.
func stsOrigin(cp ContextProvider, providerARN string, id awsWebIdentity) (*OriginIdentity, *awsAPIError) {
	subject, ok := stsClaimString(id.claims, cp.SubjectSourceKey)
	if !ok || subject == "" {
		return nil, awsErr(http.StatusBadRequest, "InvalidIdentityToken",
			"The web identity token does not contain the claim %s that the identity provider's context provider maps to the subject.", cp.SubjectSourceKey)
	}
	o := &OriginIdentity{FederatedProviderARN: providerARN, Issuer: iamProviderHost(id.issuer), Subject: subject, SubjectType: cp.SubjectTypeValue}
	if cp.SubjectTypeSourceKey != "" {
		o.SubjectType, _ = stsClaimString(id.claims, cp.SubjectTypeSourceKey)
	}
	for _, d := range cp.KeyDefinitions {
		v, ok := stsClaimString(id.claims, d.SourceKey)
		if !ok {
			continue
		}
		if len(v) > 128 {
			// Each value is at most 128 characters (sts types.TransactionContext).
			return nil, awsErr(http.StatusBadRequest, "InvalidIdentityToken", "The value of the claim %s exceeds 128 characters.", d.SourceKey)
		}
		if o.TransactionContext == nil {
			o.TransactionContext = map[string]string{}
		}
		target := d.TargetKey
		if target == "" {
			target = d.SourceKey
		}
		o.TransactionContext[target] = v
	}
	return o, nil
}

// stsClaimString returns a string, number or boolean claim as text.
func stsClaimString(claims map[string]any, key string) (string, bool) {
	switch v := claims[key].(type) {
	case string:
		return v, true
	case float64, bool:
		return fmt.Sprint(v), true
	default:
		return "", false
	}
}

// stsTIPContext is the response element for origin (nil: none).
func stsTIPContext(o *OriginIdentity) *stsTIPContextXML {
	if o == nil {
		return nil
	}
	x := &stsTIPContextXML{OriginIdentity: stsOriginIdentityXML{
		FederatedProviderArn: o.FederatedProviderARN, Issuer: o.Issuer, Subject: o.Subject, SubjectType: o.SubjectType}}
	if len(o.TransactionContext) > 0 {
		x.TransactionContext = &stsTransactionContextXML{}
		keys := make([]string, 0, len(o.TransactionContext))
		for k := range o.TransactionContext {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			x.TransactionContext.Entries = append(x.TransactionContext.Entries, stsMapEntryXML{Key: k, Value: o.TransactionContext[k]})
		}
	}
	return x
}
