package awsemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

const (
	oidcsvcJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
	oidcsvcTTL       = 3600 * time.Second
	oidcsvcOp        = "CreateTokenWithIAM"
)

// oidcsvcRequest is the CreateTokenWithIAM body fields the emulator reads.
type oidcsvcRequest struct {
	ClientID  string   `json:"clientId"`
	GrantType string   `json:"grantType"`
	Assertion string   `json:"assertion"`
	Scope     []string `json:"scope"`
}

// serveCreateTokenWithIAM handles POST /token?aws_iam=t (restJson1, SigV4
// name sso-oauth).
func (a *AWS) serveCreateTokenWithIAM(w http.ResponseWriter, r *http.Request) {
	body, err := awsReadBody(r)
	if err != nil {
		awsWriteError(w, awsProtoRestJSON, http.StatusRequestEntityTooLarge, "InvalidRequestException", "request body too large")
		return
	}
	caller, authErr := a.verifySigV4(r, body, "sso-oauth")
	var doc map[string]any
	jsonErr := json.Unmarshal(body, &doc)
	rec := Recorded{Params: r.URL.Query(), JSON: doc, Header: r.Header.Clone(), Caller: caller}
	if f, failed := a.begin(oidcsvcOp, "", rec); failed {
		awsWriteError(w, awsProtoRestJSON, f.status, f.code, f.message)
		return
	}
	if authErr != nil {
		status, code := awsAuthCode(awsProtoRestJSON, authErr.kind)
		awsWriteError(w, awsProtoRestJSON, status, code, authErr.message)
		return
	}
	var req oidcsvcRequest
	if jsonErr == nil {
		jsonErr = json.Unmarshal(body, &req)
	}
	if jsonErr != nil {
		awsWriteError(w, awsProtoRestJSON, http.StatusBadRequest, "InvalidRequestException", "malformed request body")
		return
	}
	out, apiErr := a.oidcsvcCreateToken(r, caller, req)
	if apiErr != nil {
		awsWriteError(w, awsProtoRestJSON, apiErr.status, apiErr.code, apiErr.message)
		return
	}
	awsWriteJSON(w, "application/json", out)
}

// oidcsvcCreateToken runs the jwt-bearer grant for an OIDC role session.
func (a *AWS) oidcsvcCreateToken(r *http.Request, caller *Principal, req oidcsvcRequest) (map[string]any, *awsAPIError) {
	if caller.Kind != "oidc-role" {
		return nil, awsErr(http.StatusBadRequest, "AccessDeniedException", "%s is not allowed to call CreateTokenWithIAM for %s", caller.AssumedRoleARN, req.ClientID)
	}
	if req.ClientID != a.ApplicationARN() {
		return nil, awsErr(http.StatusUnauthorized, "InvalidClientException", "Invalid client: %s", req.ClientID)
	}
	if req.GrantType != oidcsvcJWTBearer {
		return nil, awsErr(http.StatusBadRequest, "UnsupportedGrantTypeException", "Unsupported grant type: %s", req.GrantType)
	}
	if req.Assertion == "" {
		return nil, awsErr(http.StatusBadRequest, "InvalidRequestException", "assertion is required")
	}
	id, err := a.verifier.verify(r.Context(), req.Assertion)
	switch {
	case errors.Is(err, errIdPComm):
		return nil, awsErr(http.StatusInternalServerError, "InternalServerException", "could not retrieve the keys of the trusted token issuer")
	case err != nil:
		return nil, awsErr(http.StatusBadRequest, "InvalidGrantException", "Invalid assertion: %v", err)
	case id.email == "":
		return nil, awsErr(http.StatusBadRequest, "InvalidGrantException", "Invalid assertion: no email claim to map to a user")
	}
	if !a.useAssertion(id.replayKey, id.expiry) {
		return nil, awsErr(http.StatusBadRequest, "InvalidGrantException", "Invalid assertion: assertion already used")
	}
	userID := a.UserID(id.email)
	now := a.now()
	exp := now.Add(oidcsvcTTL)
	ictx := a.newIdentityContext(userID, exp)
	idToken, err := a.oidcsvcIDToken(userID, ictx, now, exp)
	if err != nil {
		return nil, awsErr(http.StatusInternalServerError, "InternalServerException", "sign id token")
	}
	scope := req.Scope
	if len(scope) == 0 {
		scope = []string{"openid", "aws", "sts:identity_context"}
	}
	return map[string]any{
		"accessToken":          "aoa" + awsRandom(awsSecretSet, 300),
		"tokenType":            "Bearer",
		"expiresIn":            int(oidcsvcTTL / time.Second),
		"refreshToken":         "aor" + awsRandom(awsSecretSet, 300),
		"idToken":              idToken,
		"issuedTokenType":      "urn:ietf:params:oauth:token-type:refresh_token",
		"scope":                scope,
		"awsAdditionalDetails": map[string]any{"identityContext": ictx},
	}, nil
}

// oidcsvcIDToken signs the Identity Center ID token with the emulator key.
func (a *AWS) oidcsvcIDToken(userID, ictx string, now, exp time.Time) (string, error) {
	signer, err := jose.NewSigner(
		jose.SigningKey{Algorithm: jose.RS256, Key: a.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", a.kid),
	)
	if err != nil {
		return "", fmt.Errorf("create signer: %w", err)
	}
	acct := a.opts.AccountID
	claims := map[string]any{
		"iss":                    "https://identitycenter.amazonaws.com/" + awsInstanceID,
		"sub":                    userID,
		"aud":                    a.ApplicationARN(),
		"aws:identity_store_id":  awsIdentityStoreID,
		"aws:identity_store_arn": "arn:aws:identitystore::" + acct + ":identitystore/" + awsIdentityStoreID,
		"aws:instance_arn":       a.InstanceARN(),
		"aws:instance_account":   acct,
		"aws:application_arn":    a.ApplicationARN(),
		"aws:credential_id":      awsRandom(awsAlnumLower, 24),
		"sts:identity_context":   ictx,
		"act":                    map[string]any{"sub": "arn:aws:sso::" + acct + ":trustedTokenIssuer/" + awsInstanceID + "/tti-sandbox"},
		"auth_time":              now.Unix(),
		"iat":                    now.Unix(),
		"exp":                    exp.Unix(),
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign id token: %w", err)
	}
	return tok, nil
}

// IdentityCenterPublicKey returns the public key that verifies the idToken
// of CreateTokenWithIAM responses, as a JWK.
func (a *AWS) IdentityCenterPublicKey() jose.JSONWebKey {
	return jose.JSONWebKey{Key: a.key.Public(), KeyID: a.kid, Algorithm: string(jose.RS256), Use: "sig"}
}
