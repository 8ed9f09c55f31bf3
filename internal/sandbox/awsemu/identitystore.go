package awsemu

import (
	"net/http"
	"sort"
	"strings"
)

// IdentityStore (awsJson1_1, X-Amz-Target AWSIdentityStore.<Op>, SigV4
// name "identitystore"): user lookup and group membership for diag.

const idsTargetPrefix = "AWSIdentityStore."

// installIdentityStore registers the IdentityStore operations.
func (ic *IdentityCenter) installIdentityStore() {
	ops := map[string]ssoaOp{
		"GetUserId":                     ic.idsGetUserID,
		"DescribeUser":                  ic.idsDescribeUser,
		"ListGroupMembershipsForMember": ic.idsListMemberships,
	}
	for name, op := range ops {
		ic.aws.HandleTarget(idsTargetPrefix+name, ic.serve("identitystore", name, op))
	}
}

// idsStore checks the IdentityStoreId member.
func (ic *IdentityCenter) idsStore(req map[string]any) *ssoaError {
	id, err := ssoaString(req, "IdentityStoreId")
	if err != nil {
		return err
	}
	if id != ic.aws.IdentityStoreID() {
		return ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "Identity store %s not found", id)
	}
	return nil
}

func (ic *IdentityCenter) idsGetUserID(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.idsStore(req); err != nil {
		return nil, err
	}
	alt, _ := req["AlternateIdentifier"].(map[string]any)
	uniq, _ := alt["UniqueAttribute"].(map[string]any)
	path, _ := uniq["AttributePath"].(string)
	value, _ := uniq["AttributeValue"].(string)
	if path == "" || value == "" {
		return nil, ssoaErrorf(http.StatusBadRequest, "ValidationException", "AlternateIdentifier.UniqueAttribute with AttributePath and a string AttributeValue is required")
	}
	for _, u := range cfg.Users {
		var got string
		switch strings.ToLower(path) {
		case "emails.value":
			got = u.Email
		case "username":
			got = u.UserName
		default:
			return nil, ssoaErrorf(http.StatusBadRequest, "ValidationException", "invalid AttributePath %s", path)
		}
		if got != "" && strings.EqualFold(got, value) {
			return map[string]any{"IdentityStoreId": ic.aws.IdentityStoreID(), "UserId": u.ID}, nil
		}
	}
	return nil, ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "USER not found")
}

func (ic *IdentityCenter) idsDescribeUser(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.idsStore(req); err != nil {
		return nil, err
	}
	id, err := ssoaString(req, "UserId")
	if err != nil {
		return nil, err
	}
	u, ok := cfg.user(id)
	if !ok {
		return nil, ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "USER not found")
	}
	issuers := make([]string, 0, len(u.ExternalIDs))
	for iss := range u.ExternalIDs {
		issuers = append(issuers, iss)
	}
	sort.Strings(issuers)
	ext := make([]any, 0, len(issuers))
	for _, iss := range issuers {
		ext = append(ext, map[string]any{"Issuer": iss, "Id": u.ExternalIDs[iss]})
	}
	out := map[string]any{
		"IdentityStoreId": ic.aws.IdentityStoreID(),
		"UserId":          u.ID,
		"UserName":        u.UserName,
		"DisplayName":     u.UserName,
	}
	if u.Email != "" {
		out["Emails"] = []any{map[string]any{"Value": u.Email, "Type": "work", "Primary": true}}
	}
	if len(ext) > 0 {
		out["ExternalIds"] = ext
	}
	return out, nil
}

func (ic *IdentityCenter) idsListMemberships(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.idsStore(req); err != nil {
		return nil, err
	}
	member, _ := req["MemberId"].(map[string]any)
	id, _ := member["UserId"].(string)
	if id == "" {
		return nil, ssoaErrorf(http.StatusBadRequest, "ValidationException", "MemberId.UserId is required")
	}
	u, ok := cfg.user(id)
	if !ok {
		return nil, ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "USER not found")
	}
	out := make([]any, 0, len(u.GroupIDs))
	for _, g := range u.GroupIDs {
		out = append(out, map[string]any{
			"IdentityStoreId": ic.aws.IdentityStoreID(),
			"MembershipId":    "m-" + g + "-" + u.ID,
			"GroupId":         g,
			"MemberId":        map[string]any{"UserId": u.ID},
		})
	}
	return map[string]any{"GroupMemberships": out}, nil
}
