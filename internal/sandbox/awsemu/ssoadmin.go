package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SSO Admin (awsJson1_1, X-Amz-Target SWBExternalService.<Op>, SigV4 name
// "sso"): the read operations diag uses. Timestamps are epoch seconds.

const (
	ssoaTargetPrefix = "SWBExternalService."
	ssoaContentType  = "application/x-amz-json-1.1"
)

// ssoaError is an awsJson1_1 error answer.
type ssoaError struct {
	status  int
	code    string
	message string
}

func ssoaErrorf(status int, code, format string, args ...any) *ssoaError {
	return &ssoaError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

// ssoaOp is one operation: it reads the request document and answers.
type ssoaOp func(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError)

// installSSOAdmin registers the SSO Admin operations.
func (ic *IdentityCenter) installSSOAdmin() {
	ops := map[string]ssoaOp{
		"DescribeApplication":                    ic.ssoaDescribeApplication,
		"GetApplicationAssignmentConfiguration":  ic.ssoaAssignmentConfiguration,
		"GetApplicationAuthenticationMethod":     ic.ssoaAuthenticationMethod,
		"ListApplicationGrants":                  ic.ssoaListGrants,
		"ListApplicationAccessScopes":            ic.ssoaListAccessScopes,
		"DescribeTrustedTokenIssuer":             ic.ssoaDescribeTTI,
		"DescribeInstance":                       ic.ssoaDescribeInstance,
		"ListApplicationAssignmentsForPrincipal": ic.ssoaAssignmentsForPrincipal,
		"ListApplicationAssignments":             ic.ssoaListAssignments,
	}
	for name, op := range ops {
		ic.aws.HandleTarget(ssoaTargetPrefix+name, ic.serve("sso", name, op))
	}
}

// serve adapts an operation to a HandleTarget handler: permission check,
// body decoding and the JSON answer.
func (ic *IdentityCenter) serve(service, name string, op ssoaOp) func(http.ResponseWriter, *http.Request, *Principal, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, caller *Principal, body []byte) {
		cfg := ic.config()
		if cfg.denied(name) {
			who := "anonymous"
			if caller != nil {
				who = caller.AssumedRoleARN
			}
			ic.aws.WriteJSONError(w, http.StatusBadRequest, "AccessDeniedException",
				fmt.Sprintf("User: %s is not authorized to perform: %s:%s", who, service, name))
			return
		}
		var req map[string]any
		if err := json.Unmarshal(body, &req); err != nil || req == nil {
			ic.aws.WriteJSONError(w, http.StatusBadRequest, "SerializationException", "malformed JSON body")
			return
		}
		out, apiErr := op(cfg, req)
		if apiErr != nil {
			ic.aws.WriteJSONError(w, apiErr.status, apiErr.code, apiErr.message)
			return
		}
		w.Header().Set("Content-Type", ssoaContentType)
		w.Header().Set("X-Amzn-RequestId", awsRequestID())
		_ = json.NewEncoder(w).Encode(out)
	}
}

// ssoaString reads a required string member.
func ssoaString(req map[string]any, key string) (string, *ssoaError) {
	s, _ := req[key].(string)
	if s == "" {
		return "", ssoaErrorf(http.StatusBadRequest, "ValidationException", "1 validation error detected: Value at '%s' failed to satisfy constraint: Member must not be null", key)
	}
	return s, nil
}

// ssoaApplication checks the ApplicationArn member names the application.
func (ic *IdentityCenter) ssoaApplication(req map[string]any) *ssoaError {
	arn, err := ssoaString(req, "ApplicationArn")
	if err != nil {
		return err
	}
	if arn != ic.aws.ApplicationARN() {
		return ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "Application %s not found", arn)
	}
	return nil
}

// ssoaInstance checks the InstanceArn member names the instance.
func (ic *IdentityCenter) ssoaInstance(req map[string]any) *ssoaError {
	arn, err := ssoaString(req, "InstanceArn")
	if err != nil {
		return err
	}
	if arn != ic.aws.InstanceARN() {
		return ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "Instance %s not found", arn)
	}
	return nil
}

func (ic *IdentityCenter) ssoaDescribeApplication(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	status := "ENABLED"
	if cfg.ApplicationDisabled {
		status = "DISABLED"
	}
	a := ic.aws
	return map[string]any{
		"ApplicationAccount":     a.AccountID(),
		"ApplicationArn":         a.ApplicationARN(),
		"ApplicationProviderArn": cfg.ApplicationProviderARN,
		"CreatedDate":            float64(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()),
		"Description":            "tip-cli sandbox token exchange application",
		"InstanceArn":            a.InstanceARN(),
		"Name":                   "tip-cli-sandbox",
		"PortalOptions":          map[string]any{"Visibility": "DISABLED"},
		"Status":                 status,
	}, nil
}

func (ic *IdentityCenter) ssoaAssignmentConfiguration(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	return map[string]any{"AssignmentRequired": cfg.AssignmentRequired}, nil
}

func (ic *IdentityCenter) ssoaAuthenticationMethod(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	typ, err := ssoaString(req, "AuthenticationMethodType")
	if err != nil {
		return nil, err
	}
	if typ != "IAM" {
		return nil, ssoaErrorf(http.StatusBadRequest, "ValidationException", "unsupported AuthenticationMethodType %s", typ)
	}
	if cfg.NoActorPolicy {
		return nil, ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "Authentication method IAM not found for application %s", ic.aws.ApplicationARN())
	}
	return map[string]any{"AuthenticationMethod": map[string]any{"Iam": map[string]any{"ActorPolicy": cfg.actorPolicy()}}}, nil
}

func (ic *IdentityCenter) ssoaListGrants(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	grants := []any{map[string]any{
		"GrantType": "refresh_token",
		"Grant":     map[string]any{"RefreshToken": map[string]any{}},
	}}
	if !cfg.NoJWTBearerGrant {
		grants = append(grants, map[string]any{
			"GrantType": "urn:ietf:params:oauth:grant-type:jwt-bearer",
			"Grant": map[string]any{"JwtBearer": map[string]any{"AuthorizedTokenIssuers": []any{map[string]any{
				"TrustedTokenIssuerArn": ic.TrustedTokenIssuerARN(),
				"AuthorizedAudiences":   cfg.Audiences,
			}}}},
		})
	}
	return map[string]any{"Grants": grants}, nil
}

func (ic *IdentityCenter) ssoaListAccessScopes(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	scopes := make([]any, 0, len(cfg.AccessScopes))
	for _, s := range cfg.AccessScopes {
		item := map[string]any{"Scope": s.Scope}
		if len(s.Targets) > 0 {
			item["AuthorizedTargets"] = s.Targets
		}
		scopes = append(scopes, item)
	}
	return map[string]any{"Scopes": scopes}, nil
}

func (ic *IdentityCenter) ssoaDescribeTTI(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	arn, err := ssoaString(req, "TrustedTokenIssuerArn")
	if err != nil {
		return nil, err
	}
	if arn != ic.TrustedTokenIssuerARN() {
		return nil, ssoaErrorf(http.StatusBadRequest, "ResourceNotFoundException", "Trusted token issuer %s not found", arn)
	}
	return map[string]any{
		"Name":                   "tip-cli-sandbox-idp",
		"TrustedTokenIssuerArn":  arn,
		"TrustedTokenIssuerType": "OIDC_JWT",
		"TrustedTokenIssuerConfiguration": map[string]any{"OidcJwtConfiguration": map[string]any{
			"IssuerUrl":                  cfg.IssuerURL,
			"ClaimAttributePath":         cfg.ClaimAttributePath,
			"IdentityStoreAttributePath": cfg.IdentityStoreAttributePath,
			"JwksRetrievalOption":        "OPEN_ID_DISCOVERY",
		}},
	}, nil
}

func (ic *IdentityCenter) ssoaDescribeInstance(_ IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaInstance(req); err != nil {
		return nil, err
	}
	a := ic.aws
	return map[string]any{
		"InstanceArn":     a.InstanceARN(),
		"IdentityStoreId": a.IdentityStoreID(),
		"IdentityStoreArn": "arn:aws:identitystore::" + a.AccountID() + ":identitystore/" +
			a.IdentityStoreID(),
		"Name":           "tip-cli-sandbox",
		"OwnerAccountId": a.AccountID(),
		"Status":         "ACTIVE",
		"CreatedDate":    float64(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Unix()),
	}, nil
}

func (ic *IdentityCenter) ssoaAssignmentsForPrincipal(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaInstance(req); err != nil {
		return nil, err
	}
	id, err := ssoaString(req, "PrincipalId")
	if err != nil {
		return nil, err
	}
	typ, err := ssoaString(req, "PrincipalType")
	if err != nil {
		return nil, err
	}
	filter, _ := req["Filter"].(map[string]any)
	if app, _ := filter["ApplicationArn"].(string); app != "" && app != ic.aws.ApplicationARN() {
		return map[string]any{"ApplicationAssignments": []any{}}, nil
	}
	assigned := cfg.AssignedUsers
	if typ == "GROUP" {
		assigned = cfg.AssignedGroups
	}
	out := []any{}
	for _, p := range assigned {
		if p == id {
			out = append(out, ic.ssoaAssignment(p, typ))
		}
	}
	return map[string]any{"ApplicationAssignments": out}, nil
}

func (ic *IdentityCenter) ssoaListAssignments(cfg IdentityCenterConfig, req map[string]any) (any, *ssoaError) {
	if err := ic.ssoaApplication(req); err != nil {
		return nil, err
	}
	out := []any{}
	for _, u := range cfg.AssignedUsers {
		out = append(out, ic.ssoaAssignment(u, "USER"))
	}
	for _, g := range cfg.AssignedGroups {
		out = append(out, ic.ssoaAssignment(g, "GROUP"))
	}
	return map[string]any{"ApplicationAssignments": out}, nil
}

func (ic *IdentityCenter) ssoaAssignment(id, typ string) map[string]any {
	return map[string]any{"ApplicationArn": ic.aws.ApplicationARN(), "PrincipalId": id, "PrincipalType": typ}
}
