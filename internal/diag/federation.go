package diag

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iamoidc"
)

// Check ids of the IAM federation checks (tip_mode iam-federation).
const (
	IDFedProvider   = "iam-oidc-provider"
	IDFedAudience   = "iam-provider-audience"
	IDFedContext    = "iam-context-provider"
	IDFedClaim      = "iam-subject-claim"
	IDFedICLink     = "iam-identity-center-link"
	IDFedRoleTrust  = "iam-role-trust"
	IDFedRoleMaxDur = "iam-role-max-session"
)

const webIdentityAction = "sts:AssumeRoleWithWebIdentity"

// Federation runs the IAM checks of a federation-mode profile with an IAM
// client signed by credentials allowed iam:GetOpenIDConnectProvider and
// iam:GetRole (an administrator's, not tip-cli's).
type Federation struct {
	IAM *iam.Client
}

// fedInput is what the checks compare: the profile and the ID token.
type fedInput struct {
	p           *config.Profile
	providerARN string
	token       *JWT
}

// Run checks the IAM OIDC provider of the profile's issuer and the role.
func (f *Federation) Run(ctx context.Context, p *config.Profile, token *JWT) []Check {
	in := fedInput{p: p, providerARN: iamoidc.ProviderARN(p.RoleARN, p.Issuer()), token: token}
	return append(f.checkProvider(ctx, in), f.checkRole(ctx, in)...)
}

// SkipFederation returns the federation checks skipped for reason.
func SkipFederation(reason string) []Check {
	out := make([]Check, 0, len(fedTitles))
	for _, id := range fedOrder {
		out = append(out, skip(id, fedTitles[id], reason))
	}
	return out
}

var fedOrder = []string{IDFedProvider, IDFedAudience, IDFedContext, IDFedClaim, IDFedICLink, IDFedRoleTrust, IDFedRoleMaxDur}

var fedTitles = map[string]string{
	IDFedProvider:   "IAM OIDC provider for the issuer",
	IDFedAudience:   "The provider's audience list has the client id",
	IDFedContext:    "The provider has a context provider (TIP for IAM federation)",
	IDFedClaim:      "The ID token has the context provider's subject claim",
	IDFedICLink:     "The provider links the Identity Center instance (group access)",
	IDFedRoleTrust:  "role_arn trusts the provider for the client id",
	IDFedRoleMaxDur: "role_arn's MaxSessionDuration covers duration_seconds",
}

func (f *Federation) checkProvider(ctx context.Context, in fedInput) []Check {
	t := fedTitles
	out, err := f.IAM.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(in.providerARN)})
	rest := []string{IDFedAudience, IDFedContext, IDFedClaim, IDFedICLink}
	if errorCode(err) == "NoSuchEntity" {
		checks := []Check{fail(IDFedProvider, t[IDFedProvider], "no IAM OIDC provider "+in.providerARN,
			"create it: tip-cli configure generate-cfn-template --tip-mode iam-federation (see docs/setup.md)")}
		for _, id := range rest {
			checks = append(checks, skip(id, t[id], "no IAM OIDC provider"))
		}
		return checks
	}
	if err != nil {
		checks := []Check{couldNot(IDFedProvider, t[IDFedProvider], "iam:GetOpenIDConnectProvider", err)}
		for _, id := range rest {
			checks = append(checks, skip(id, t[id], "the provider could not be read"))
		}
		return checks
	}
	checks := []Check{pass(IDFedProvider, t[IDFedProvider], in.providerARN)}
	client := in.p.Client()
	if slices.Contains(out.ClientIDList, client) {
		checks = append(checks, pass(IDFedAudience, t[IDFedAudience], client))
	} else {
		checks = append(checks, fail(IDFedAudience, t[IDFedAudience], "the audience list is "+quoteList(out.ClientIDList)+", not "+client,
			"aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn "+in.providerARN+" --client-id "+client))
	}
	cp := out.ContextProvider
	if cp == nil || aws.ToString(cp.SubjectSourceKey) == "" {
		fix := iamoidc.ContextProviderCommand(in.providerARN, "email", "user")
		checks = append(checks, fail(IDFedContext, t[IDFedContext], "the provider has no context provider: its sessions do not carry the person, and tip-cli refuses them",
			fix+" (SubjectSourceKey names the claim that identifies the person; see docs/setup.md)"),
			skip(IDFedClaim, t[IDFedClaim], "no context provider"))
	} else {
		key := aws.ToString(cp.SubjectSourceKey)
		c := pass(IDFedContext, t[IDFedContext], "subject from claim "+key)
		c.Data = map[string]any{"subject_source_key": key, "subject_type_value": aws.ToString(cp.SubjectTypeValue), "subject_type_source_key": aws.ToString(cp.SubjectTypeSourceKey)}
		checks = append(checks, c, checkSubjectClaim(in.token, key))
	}
	return append(checks, checkICLink(in.p, aws.ToString(out.IdentityCenterInstanceArn)))
}

func checkSubjectClaim(token *JWT, key string) Check {
	title := fedTitles[IDFedClaim]
	if token == nil {
		return skip(IDFedClaim, title, "no ID token (sign in, or pass -j)")
	}
	if _, ok := token.Claim(key); !ok {
		return fail(IDFedClaim, title, "the ID token has no "+key+" claim, so STS cannot name the person",
			"make the IdP put "+key+" in the ID token (a scope or claim mapping), or point the context provider's SubjectSourceKey at a claim it has")
	}
	return pass(IDFedClaim, title, key+" present")
}

func checkICLink(p *config.Profile, linked string) Check {
	title := fedTitles[IDFedICLink]
	want := p.IdentityCenterInstanceARN
	switch {
	case want == "" && linked == "":
		return skip(IDFedICLink, title, "identity_center_instance_arn not set: no group access expected")
	case want == "":
		return pass(IDFedICLink, title, "linked to "+linked+" (the profile does not require it)")
	case linked == want:
		return pass(IDFedICLink, title, linked)
	case linked == "":
		return fail(IDFedICLink, title, "the provider is not linked to "+want+": services cannot resolve your groups",
			"aws iam update-open-id-connect-provider --open-id-connect-provider-arn PROVIDER_ARN --identity-center-instance-arn "+want)
	}
	return fail(IDFedICLink, title, "the provider is linked to "+linked+", not "+want, "fix identity_center_instance_arn or the provider's link")
}

func (f *Federation) checkRole(ctx context.Context, in fedInput) []Check {
	t := fedTitles
	name := in.p.RoleARN[strings.LastIndexByte(in.p.RoleARN, '/')+1:]
	out, err := f.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		if errorCode(err) == "NoSuchEntity" {
			return []Check{fail(IDFedRoleTrust, t[IDFedRoleTrust], "role "+in.p.RoleARN+" not found", "check role_arn"),
				skip(IDFedRoleMaxDur, t[IDFedRoleMaxDur], "role not found")}
		}
		return []Check{couldNot(IDFedRoleTrust, t[IDFedRoleTrust], "iam:GetRole", err), skip(IDFedRoleMaxDur, t[IDFedRoleMaxDur], "the role could not be read")}
	}
	trust := checkTrust(aws.ToString(out.Role.AssumeRolePolicyDocument), in)
	maxDur := int(aws.ToInt32(out.Role.MaxSessionDuration))
	if maxDur == 0 {
		maxDur = 3600 // IAM's default
	}
	want := in.p.FederationDuration()
	dur := pass(IDFedRoleMaxDur, t[IDFedRoleMaxDur], fmt.Sprintf("%d s ≥ %d s", maxDur, want))
	if maxDur < want {
		dur = fail(IDFedRoleMaxDur, t[IDFedRoleMaxDur], fmt.Sprintf("MaxSessionDuration is %d s, duration_seconds asks %d s: STS refuses the call", maxDur, want),
			fmt.Sprintf("aws iam update-role --role-name %s --max-session-duration %d, or lower duration_seconds", name, want))
	}
	return []Check{trust, dur}
}

// checkTrust looks for a statement allowing AssumeRoleWithWebIdentity from
// the provider with an aud condition naming the client id.
func checkTrust(raw string, in fedInput) Check {
	title := fedTitles[IDFedRoleTrust]
	if dec, err := url.QueryUnescape(raw); err == nil {
		raw = dec // IAM returns the document URL-encoded
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		return fail(IDFedRoleTrust, title, "the trust policy does not parse: "+oneLine(err.Error(), 200), "")
	}
	audKey := iamoidc.ProviderURL(in.p.Issuer()) + ":aud"
	client := in.p.Client()
	fix := fmt.Sprintf(`allow %s to principal {"Federated": "%s"} with Condition StringEquals {"%s": "%s"}`, webIdentityAction, in.providerARN, audKey, client)
	namesProvider := false
	for _, st := range asList(doc["Statement"]) {
		m, _ := st.(map[string]any)
		if m == nil || asString(m["Effect"]) != "Allow" || !anyMatch(asStrings(m["Action"]), webIdentityAction, true) {
			continue
		}
		pr, _ := m["Principal"].(map[string]any)
		if pr == nil || !slices.Contains(asStrings(pr["Federated"]), in.providerARN) {
			continue
		}
		namesProvider = true
		auds := audValues(m["Condition"], audKey)
		if len(auds) == 0 || slices.Contains(auds, client) {
			c := pass(IDFedRoleTrust, title, "trusts "+in.providerARN+" for "+client)
			if len(auds) == 0 {
				c = warn(IDFedRoleTrust, title, "trusts "+in.providerARN+" with no "+audKey+" condition: any client of the IdP may assume it", fix)
			}
			return c
		}
	}
	if namesProvider {
		return fail(IDFedRoleTrust, title, "the trust policy names the provider but its "+audKey+" condition is not the client id "+client, fix)
	}
	return fail(IDFedRoleTrust, title, "the trust policy does not allow "+webIdentityAction+" from "+in.providerARN, fix)
}

// audValues returns the values a condition block requires of key
// (StringEquals or StringLike).
func audValues(cond any, key string) []string {
	m, _ := cond.(map[string]any)
	var out []string
	for _, op := range []string{"StringEquals", "StringLike", "ForAnyValue:StringEquals"} {
		if block, ok := m[op].(map[string]any); ok {
			out = append(out, asStrings(block[key])...)
		}
	}
	return out
}
