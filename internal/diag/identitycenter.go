package diag

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

// customApplicationProvider is the provider ARN of customer managed
// applications, the only kind CreateTokenWithIAM accepts as client.
const customApplicationProvider = "arn:aws:sso::aws:applicationProvider/custom"

// Check ids of the Identity Center checks.
const (
	IDAppEnabled   = "app-enabled"
	IDAppCustom    = "app-customer-managed"
	IDActorPolicy  = "actor-policy"
	IDGrant        = "jwt-bearer-grant"
	IDTTIIssuer    = "tti-issuer"
	IDTTIClaim     = "tti-claim"
	IDUser         = "idstore-user"
	IDUserSCIM     = "idstore-scim"
	IDAssignment   = "assignment"
	IDAccessScopes = "access-scopes"
)

// IdentityCenter runs the IAM Identity Center checks with SDK clients
// signed by credentials allowed to read the configuration (an Identity
// Center administrator's, not tip-cli's).
type IdentityCenter struct {
	SSOAdmin      *ssoadmin.Client
	IdentityStore *identitystore.Client
}

// ICInput is what the Identity Center checks compare against.
type ICInput struct {
	ApplicationARN string
	// OIDCRoleARN is the profile's OIDC role; "" when unknown (no profile).
	OIDCRoleARN string
	// Token is the IdP ID token; nil skips the token-dependent checks.
	Token *JWT
}

// icState carries what earlier checks learned to later ones.
type icState struct {
	in          ICInput
	instanceARN string
	ttiARNs     []string // trusted token issuers to consider for the token
	oidc        *ssotypes.OidcJwtConfiguration
	ttiARN      string
	claimValue  string
	storeID     string
	storeErr    *Check // why storeID is unknown
	userID      string
}

// Run runs every Identity Center check in order. It never fails as a
// whole: a refused or failed call makes its check (and the checks needing
// its answer) "could not check" or "skip".
func (ic *IdentityCenter) Run(ctx context.Context, in ICInput) []Check {
	s := &icState{in: in, instanceARN: instanceFromApplication(in.ApplicationARN)}
	var out []Check
	out = append(out, ic.checkApplication(ctx, s)...)
	out = append(out, ic.checkActorPolicy(ctx, s))
	out = append(out, ic.checkGrant(ctx, s))
	out = append(out, ic.checkTTI(ctx, s), checkClaim(s))
	out = append(out, ic.checkUser(ctx, s)...)
	out = append(out, ic.checkAssignment(ctx, s))
	out = append(out, ic.checkScopes(ctx, s))
	return out
}

// instanceFromApplication derives arn:aws:sso:::instance/ssoins-… from an
// application ARN arn:aws:sso::ACCT:application/ssoins-…/apl-….
func instanceFromApplication(app string) string {
	parts := strings.SplitN(app, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	res := strings.Split(strings.TrimPrefix(parts[5], "application/"), "/")
	if len(res) != 2 {
		return ""
	}
	return "arn:" + parts[1] + ":sso:::instance/" + res[0]
}

func (ic *IdentityCenter) checkApplication(ctx context.Context, s *icState) []Check {
	const enTitle, cmTitle = "Application is enabled", "Application is customer managed"
	out, err := ic.SSOAdmin.DescribeApplication(ctx, &ssoadmin.DescribeApplicationInput{ApplicationArn: aws.String(s.in.ApplicationARN)})
	if isNotFound(err) {
		hint := "check token_exchange_application_arn (or -a) and that the region is the Identity Center instance's region"
		return []Check{
			fail(IDAppEnabled, enTitle, "application "+s.in.ApplicationARN+" not found", hint),
			skip(IDAppCustom, cmTitle, "the application was not found"),
		}
	}
	if err != nil {
		return []Check{couldNot(IDAppEnabled, enTitle, "sso:DescribeApplication", err), couldNot(IDAppCustom, cmTitle, "sso:DescribeApplication", err)}
	}
	if arn := aws.ToString(out.InstanceArn); arn != "" {
		s.instanceARN = arn
	}
	data := map[string]any{"name": aws.ToString(out.Name), "status": string(out.Status), "provider": aws.ToString(out.ApplicationProviderArn)}
	en := pass(IDAppEnabled, enTitle, aws.ToString(out.Name))
	if out.Status != ssotypes.ApplicationStatusEnabled {
		en = fail(IDAppEnabled, enTitle, fmt.Sprintf("application %q is %s", aws.ToString(out.Name), out.Status),
			"enable it: aws sso-admin update-application --application-arn "+s.in.ApplicationARN+" --status ENABLED")
	}
	en.Data = data
	cm := pass(IDAppCustom, cmTitle, "")
	if p := aws.ToString(out.ApplicationProviderArn); p != customApplicationProvider {
		cm = fail(IDAppCustom, cmTitle, "application provider is "+p+", not "+customApplicationProvider,
			"token_exchange_application_arn must be a customer managed OAuth 2.0 application: create one in IAM Identity Center (Applications → Add application → I have an application I want to set up → OAuth 2.0) and use its ARN")
	}
	return []Check{en, cm}
}

func (ic *IdentityCenter) checkActorPolicy(ctx context.Context, s *icState) Check {
	const title = "IAM actor policy allows the OIDC role to call CreateTokenWithIAM"
	role := s.in.OIDCRoleARN
	fix := "aws sso-admin put-application-authentication-method --application-arn " + s.in.ApplicationARN +
		` --authentication-method-type IAM --authentication-method '{"Iam":{"ActorPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` +
		orPlaceholder(role, "OIDC_ROLE_ARN") + `"},"Action":"sso-oauth:CreateTokenWithIAM","Resource":"*"}]}}}'`
	out, err := ic.SSOAdmin.GetApplicationAuthenticationMethod(ctx, &ssoadmin.GetApplicationAuthenticationMethodInput{
		ApplicationArn: aws.String(s.in.ApplicationARN), AuthenticationMethodType: ssotypes.AuthenticationMethodTypeIam,
	})
	if isNotFound(err) {
		return fail(IDActorPolicy, title, "the application has no IAM authentication method (actor policy)", fix)
	}
	if err != nil {
		return couldNot(IDActorPolicy, title, "sso:GetApplicationAuthenticationMethod", err)
	}
	var doc map[string]any
	if iam, ok := out.AuthenticationMethod.(*ssotypes.AuthenticationMethodMemberIam); ok && iam.Value.ActorPolicy != nil {
		if err := iam.Value.ActorPolicy.UnmarshalSmithyDocument(&doc); err != nil {
			return couldNot(IDActorPolicy, title, "sso:GetApplicationAuthenticationMethod", fmt.Errorf("read the actor policy: %w", err))
		}
	}
	if doc == nil {
		return fail(IDActorPolicy, title, "the application's IAM authentication method has no actor policy", fix)
	}
	policy := compactJSON(doc)
	v := analyzeActorPolicy(doc, role)
	data := map[string]any{"actor_policy": doc, "principals": v.Principals}
	var c Check
	switch {
	case !v.AllowsAction:
		c = fail(IDActorPolicy, title, "the actor policy does not allow "+createTokenAction+": "+policy, fix)
	case role == "":
		c = pass(IDActorPolicy, title, "allows "+strings.Join(v.Principals, ", ")+" (no profile: OIDC role not compared)")
	case !v.AllowsRole:
		c = fail(IDActorPolicy, title, "the actor policy allows "+strings.Join(v.Principals, ", ")+", not the OIDC role "+role+": "+policy, fix)
	case v.Conditional:
		c = warn(IDActorPolicy, title, "allows the OIDC role under a Condition diag does not evaluate: "+policy, "make sure the condition holds for the OIDC role session")
	default:
		c = pass(IDActorPolicy, title, "allows "+role)
	}
	c.Data = data
	return c
}

func (ic *IdentityCenter) checkGrant(ctx context.Context, s *icState) Check {
	const title = "jwt-bearer grant trusts the token's audience"
	aud := []string(nil)
	if s.in.Token != nil {
		aud = s.in.Token.Audience()
	}
	out, err := ic.SSOAdmin.ListApplicationGrants(ctx, &ssoadmin.ListApplicationGrantsInput{ApplicationArn: aws.String(s.in.ApplicationARN)})
	if err != nil {
		return couldNot(IDGrant, title, "sso:ListApplicationGrants", err)
	}
	var issuers []ssotypes.AuthorizedTokenIssuer
	for _, g := range out.Grants {
		if jb, ok := g.Grant.(*ssotypes.GrantMemberJwtBearer); ok {
			issuers = append(issuers, jb.Value.AuthorizedTokenIssuers...)
		}
	}
	if len(issuers) == 0 {
		return fail(IDGrant, title, "the application has no jwt-bearer grant (no trusted token issuer may exchange tokens)", grantFix(s.in.ApplicationARN, "", nil, aud))
	}
	data := map[string]any{}
	var matching, all []string
	for _, ti := range issuers {
		arn := aws.ToString(ti.TrustedTokenIssuerArn)
		all = append(all, arn)
		data[arn] = ti.AuthorizedAudiences
		for _, a := range aud {
			if contains(ti.AuthorizedAudiences, a) && !contains(matching, arn) {
				matching = append(matching, arn)
			}
		}
	}
	s.ttiARNs = matching
	var c Check
	switch {
	case s.in.Token == nil:
		s.ttiARNs = all
		c = skip(IDGrant, title, "needs an ID token (the grant lists "+fmt.Sprint(len(all))+" trusted token issuer(s))")
	case len(matching) == 0:
		s.ttiARNs = all
		c = fail(IDGrant, title, "no trusted token issuer of the jwt-bearer grant lists the token's aud "+quoteList(aud),
			grantFix(s.in.ApplicationARN, aws.ToString(issuers[0].TrustedTokenIssuerArn), issuers[0].AuthorizedAudiences, aud))
	default:
		c = pass(IDGrant, title, strings.Join(matching, ", "))
	}
	c.Data = map[string]any{"authorized_audiences": data}
	return c
}

// grantFix is the command that authorizes tti (a placeholder when "") for
// the existing audiences plus aud. PutApplicationGrant replaces the grant.
func grantFix(app, tti string, existing, aud []string) string {
	auds := append([]string(nil), existing...)
	for _, a := range aud {
		if !contains(auds, a) {
			auds = append(auds, a)
		}
	}
	if len(auds) == 0 {
		auds = []string{"CLIENT_ID"}
	}
	grant := map[string]any{"JwtBearer": map[string]any{"AuthorizedTokenIssuers": []any{map[string]any{
		"TrustedTokenIssuerArn": orPlaceholder(tti, "TRUSTED_TOKEN_ISSUER_ARN"), "AuthorizedAudiences": auds,
	}}}}
	return "aws sso-admin put-application-grant --application-arn " + app +
		" --grant-type urn:ietf:params:oauth:grant-type:jwt-bearer --grant '" + compactJSON(grant) +
		"' (this replaces the grant: keep every trusted token issuer it needs)"
}

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func orPlaceholder(v, placeholder string) string {
	if v == "" {
		return placeholder
	}
	return v
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
