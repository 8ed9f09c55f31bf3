package diag

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
)

func (ic *IdentityCenter) checkTTI(ctx context.Context, s *icState) Check {
	const title = "Trusted token issuer URL equals the token's iss"
	if len(s.ttiARNs) == 0 {
		return skip(IDTTIIssuer, title, "needs the application's jwt-bearer grant")
	}
	iss := ""
	if s.in.Token != nil {
		iss = s.in.Token.String("iss")
	}
	var urls []string
	for _, arn := range s.ttiARNs {
		out, err := ic.SSOAdmin.DescribeTrustedTokenIssuer(ctx, &ssoadmin.DescribeTrustedTokenIssuerInput{TrustedTokenIssuerArn: aws.String(arn)})
		if err != nil {
			return couldNot(IDTTIIssuer, title, "sso:DescribeTrustedTokenIssuer", err)
		}
		cfg, ok := out.TrustedTokenIssuerConfiguration.(*ssotypes.TrustedTokenIssuerConfigurationMemberOidcJwtConfiguration)
		if !ok {
			continue
		}
		u := aws.ToString(cfg.Value.IssuerUrl)
		urls = append(urls, u)
		if s.oidc == nil || (iss != "" && u == iss) {
			s.oidc, s.ttiARN = &cfg.Value, arn
		}
	}
	data := map[string]any{"issuer_urls": urls}
	var c Check
	switch {
	case s.oidc == nil:
		c = fail(IDTTIIssuer, title, "the grant's trusted token issuers have no OIDC JWT configuration", "create an OIDC trusted token issuer for your IdP")
	case iss == "":
		c = skip(IDTTIIssuer, title, "needs an ID token with iss (trusted token issuer URL "+aws.ToString(s.oidc.IssuerUrl)+")")
	case aws.ToString(s.oidc.IssuerUrl) != iss:
		c = fail(IDTTIIssuer, title, fmt.Sprintf("trusted token issuer URL is %s, the token's iss is %q", quoteList(urls), iss),
			"the IssuerUrl must equal iss exactly (scheme, host, path, trailing slash); it cannot be changed: create a trusted token issuer with IssuerUrl "+iss+" (aws sso-admin create-trusted-token-issuer) and authorize it in the application's jwt-bearer grant")
	default:
		c = pass(IDTTIIssuer, title, s.ttiARN)
		data["claim_attribute_path"] = aws.ToString(s.oidc.ClaimAttributePath)
		data["identity_store_attribute_path"] = aws.ToString(s.oidc.IdentityStoreAttributePath)
	}
	c.Data = data
	return c
}

func checkClaim(s *icState) Check {
	const title = "Token carries the trusted token issuer's claim attribute"
	if s.oidc == nil {
		return skip(IDTTIClaim, title, "needs the trusted token issuer")
	}
	path := aws.ToString(s.oidc.ClaimAttributePath)
	if s.in.Token == nil {
		return skip(IDTTIClaim, title, "needs an ID token (claim attribute "+path+")")
	}
	v, ok := s.in.Token.Claim(path)
	if !ok {
		return fail(IDTTIClaim, title, fmt.Sprintf("the token has no %q claim (the trusted token issuer's ClaimAttributePath)", path),
			"make the IdP put "+path+" in the ID token (request its scope, e.g. email, or add a claim), or change the trusted token issuer's ClaimAttributePath (aws sso-admin update-trusted-token-issuer)")
	}
	s.claimValue = v
	c := pass(IDTTIClaim, title, path+" = "+v)
	c.Data = map[string]any{"claim": path, "value": v}
	return c
}

func (ic *IdentityCenter) identityStoreID(ctx context.Context, s *icState) {
	if s.storeID != "" || s.storeErr != nil {
		return
	}
	out, err := ic.SSOAdmin.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: aws.String(s.instanceARN)})
	if err != nil {
		c := couldNot(IDUser, "", "sso:DescribeInstance", err)
		s.storeErr = &c
		return
	}
	s.storeID = aws.ToString(out.IdentityStoreId)
}

func (ic *IdentityCenter) checkUser(ctx context.Context, s *icState) []Check {
	const title, scimTitle = "Identity store has a user for the token's claim", "Identity store user is provisioned (SCIM)"
	if s.claimValue == "" {
		return []Check{skip(IDUser, title, "needs the token's claim attribute"), skip(IDUserSCIM, scimTitle, "needs the identity store user")}
	}
	if ic.identityStoreID(ctx, s); s.storeErr != nil {
		c := *s.storeErr
		c.Title = title
		return []Check{c, skip(IDUserSCIM, scimTitle, "needs the identity store user")}
	}
	attr := aws.ToString(s.oidc.IdentityStoreAttributePath)
	out, err := ic.IdentityStore.GetUserId(ctx, &identitystore.GetUserIdInput{
		IdentityStoreId: aws.String(s.storeID),
		AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{Value: idstypes.UniqueAttribute{
			AttributePath: aws.String(attr), AttributeValue: document.NewLazyDocument(s.claimValue),
		}},
	})
	if isNotFound(err) {
		return []Check{
			fail(IDUser, title, fmt.Sprintf("no user with %s = %q in identity store %s", attr, s.claimValue, s.storeID),
				"provision the user in IAM Identity Center (SCIM from the IdP, or by hand) with "+attr+" equal to the token's claim, or fix the trusted token issuer's attribute mapping"),
			skip(IDUserSCIM, scimTitle, "needs the identity store user"),
		}
	}
	if err != nil {
		return []Check{couldNot(IDUser, title, "identitystore:GetUserId", err), skip(IDUserSCIM, scimTitle, "needs the identity store user")}
	}
	s.userID = aws.ToString(out.UserId)
	u := pass(IDUser, title, s.userID)
	u.Data = map[string]any{"user_id": s.userID, "identity_store_id": s.storeID}
	return []Check{u, ic.checkSCIM(ctx, s, scimTitle)}
}

func (ic *IdentityCenter) checkSCIM(ctx context.Context, s *icState, title string) Check {
	out, err := ic.IdentityStore.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(s.storeID), UserId: aws.String(s.userID)})
	if err != nil {
		return couldNot(IDUserSCIM, title, "identitystore:DescribeUser", err)
	}
	if len(out.ExternalIds) == 0 {
		return warn(IDUserSCIM, title, "user "+aws.ToString(out.UserName)+" has no ExternalIds: not provisioned by SCIM from the IdP",
			"fine for a test; in production provision users (and groups) with SCIM so IdP changes reach Identity Center")
	}
	return pass(IDUserSCIM, title, aws.ToString(out.UserName))
}

func (ic *IdentityCenter) checkAssignment(ctx context.Context, s *icState) Check {
	const title = "User is assigned to the application"
	out, err := ic.SSOAdmin.GetApplicationAssignmentConfiguration(ctx, &ssoadmin.GetApplicationAssignmentConfigurationInput{ApplicationArn: aws.String(s.in.ApplicationARN)})
	if err != nil {
		return couldNot(IDAssignment, title, "sso:GetApplicationAssignmentConfiguration", err)
	}
	if !aws.ToBool(out.AssignmentRequired) {
		return pass(IDAssignment, title, "assignment is not required")
	}
	if s.userID == "" {
		return skip(IDAssignment, title, "assignment is required; needs the identity store user")
	}
	direct, err := ic.SSOAdmin.ListApplicationAssignmentsForPrincipal(ctx, &ssoadmin.ListApplicationAssignmentsForPrincipalInput{
		InstanceArn: aws.String(s.instanceARN), PrincipalId: aws.String(s.userID), PrincipalType: ssotypes.PrincipalTypeUser,
		Filter: &ssotypes.ListApplicationAssignmentsFilter{ApplicationArn: aws.String(s.in.ApplicationARN)},
	})
	if err != nil {
		return couldNot(IDAssignment, title, "sso:ListApplicationAssignmentsForPrincipal", err)
	}
	for _, a := range direct.ApplicationAssignments {
		if aws.ToString(a.ApplicationArn) == s.in.ApplicationARN {
			return pass(IDAssignment, title, "assigned directly")
		}
	}
	group, err := ic.assignedGroup(ctx, s)
	if err != nil {
		return couldNot(IDAssignment, title, actionOf(err), err)
	}
	if group != "" {
		c := pass(IDAssignment, title, "assigned through group "+group)
		c.Data = map[string]any{"group_id": group}
		return c
	}
	return fail(IDAssignment, title, "assignment is required and user "+s.userID+" is not assigned, directly or through a group",
		"assign the user or one of their groups: aws sso-admin create-application-assignment --application-arn "+s.in.ApplicationARN+" --principal-id "+s.userID+" --principal-type USER")
}

// actionError names the IAM action a failed call needs.
type actionError struct {
	action string
	err    error
}

func (e *actionError) Error() string { return e.err.Error() }
func (e *actionError) Unwrap() error { return e.err }

func actionOf(err error) string {
	var ae *actionError
	if errors.As(err, &ae) {
		return ae.action
	}
	return "sso:ListApplicationAssignments"
}

// assignedGroup returns a group of the user assigned to the application, or "".
func (ic *IdentityCenter) assignedGroup(ctx context.Context, s *icState) (string, error) {
	groups := map[string]bool{}
	p := ssoadmin.NewListApplicationAssignmentsPaginator(ic.SSOAdmin, &ssoadmin.ListApplicationAssignmentsInput{ApplicationArn: aws.String(s.in.ApplicationARN)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return "", &actionError{"sso:ListApplicationAssignments", err}
		}
		for _, a := range page.ApplicationAssignments {
			if a.PrincipalType == ssotypes.PrincipalTypeGroup {
				groups[aws.ToString(a.PrincipalId)] = true
			}
		}
	}
	if len(groups) == 0 {
		return "", nil
	}
	m := identitystore.NewListGroupMembershipsForMemberPaginator(ic.IdentityStore, &identitystore.ListGroupMembershipsForMemberInput{
		IdentityStoreId: aws.String(s.storeID), MemberId: &idstypes.MemberIdMemberUserId{Value: s.userID},
	})
	for m.HasMorePages() {
		page, err := m.NextPage(ctx)
		if err != nil {
			return "", &actionError{"identitystore:ListGroupMembershipsForMember", err}
		}
		for _, gm := range page.GroupMemberships {
			if g := aws.ToString(gm.GroupId); groups[g] {
				return g, nil
			}
		}
	}
	return "", nil
}

func (ic *IdentityCenter) checkScopes(ctx context.Context, s *icState) Check {
	const title = "Application has access scopes"
	byTarget := map[string][]string{}
	p := ssoadmin.NewListApplicationAccessScopesPaginator(ic.SSOAdmin, &ssoadmin.ListApplicationAccessScopesInput{ApplicationArn: aws.String(s.in.ApplicationARN)})
	n := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return couldNot(IDAccessScopes, title, "sso:ListApplicationAccessScopes", err)
		}
		for _, sc := range page.Scopes {
			n++
			targets := sc.AuthorizedTargets
			if len(targets) == 0 {
				targets = []string{"any application"}
			}
			for _, t := range targets {
				byTarget[t] = append(byTarget[t], aws.ToString(sc.Scope))
			}
		}
	}
	if n == 0 {
		return warn(IDAccessScopes, title, "the application has no access scopes: AWS services that check scopes (S3 Access Grants, Redshift, Lake Formation, Q Business) will refuse the identity",
			"add the scopes you need, e.g. aws sso-admin put-application-access-scope --application-arn "+s.in.ApplicationARN+" --scope s3:access_grants:read_write")
	}
	targets := make([]string, 0, len(byTarget))
	for t := range byTarget {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	parts := make([]string, 0, len(targets))
	data := map[string]any{}
	for _, t := range targets {
		sort.Strings(byTarget[t])
		parts = append(parts, t+": "+strings.Join(byTarget[t], ", "))
		data[t] = byTarget[t]
	}
	c := pass(IDAccessScopes, title, strings.Join(parts, "; "))
	c.Data = map[string]any{"scopes_by_target": data}
	return c
}
