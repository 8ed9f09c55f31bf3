package config

import "github.com/tip-cli/tip-cli/internal/jsonscan"

// parseFast decodes config.json's profiles form as Parse's encoding/json
// path would, without reflection: every credential_process call reads this
// file in a fresh process, where encoding/json's first decode of File
// costs more than the rest of the lean binary's own work (issue #23). It
// returns ok=false for anything outside jsonscan's plain subset, for a key
// it does not know (a newer field, a different case that encoding/json
// would still match) and for the legacy flat form; Parse then decodes with
// encoding/json as before. TestParseFastMatchesEncodingJSON keeps the two
// equal.
func parseFast(data []byte) (*File, bool) {
	s := jsonscan.New(data)
	var f File
	ok := s.Object(func(key string) bool {
		var ok bool
		switch key {
		case "profiles":
			f.Profiles, ok = profileMap(s)
		case "sign_ins":
			f.SignIns, ok = profileMap(s)
		}
		return ok
	})
	if !ok || !s.End() || f.Profiles == nil {
		return nil, false
	}
	return &f, true
}

// profileMap reads an object of profiles ({} gives an empty map, as
// encoding/json does).
func profileMap(s *jsonscan.Scanner) (map[string]*Profile, bool) {
	m := map[string]*Profile{}
	ok := s.Object(func(name string) bool {
		p := new(Profile)
		m[name] = p
		return s.Object(func(key string) bool { return p.decodeField(s, key) })
	})
	return m, ok
}

// decodeField reads the value of the profile key key into p; false for a
// key that is not one of Profile's JSON keys (TestParseFastKnowsEveryKey
// fails when a field is added to Profile and not here).
func (p *Profile) decodeField(s *jsonscan.Scanner, key string) bool {
	switch key {
	case "sign_in":
		return s.StringTo(&p.SignIn)
	case "provider":
		return s.StringTo(&p.Provider)
	case "tip_mode":
		return s.StringTo(&p.Mode)
	case "token_exchange_application_arn":
		return s.StringTo(&p.TokenExchangeApplicationARN)
	case "oidc_role_arn":
		return s.StringTo(&p.OIDCRoleARN)
	case "id_enhanced_role_arn":
		return s.StringTo(&p.IDEnhancedRoleARN)
	case "region":
		return s.StringTo(&p.Region)
	case "account_id":
		return s.StringTo(&p.AccountID)
	case "role_arn":
		return s.StringTo(&p.RoleARN)
	case "identity_center_instance_arn":
		return s.StringTo(&p.IdentityCenterInstanceARN)
	case "okta_url":
		return s.StringTo(&p.OktaURL)
	case "okta_client_id":
		return s.StringTo(&p.OktaClientID)
	case "entra_tenant_id":
		return s.StringTo(&p.EntraTenantID)
	case "entra_client_id":
		return s.StringTo(&p.EntraClientID)
	case "cognito_domain":
		return s.StringTo(&p.CognitoDomain)
	case "cognito_user_pool_id":
		return s.StringTo(&p.CognitoPoolID)
	case "cognito_client_id":
		return s.StringTo(&p.CognitoClient)
	case "issuer_url":
		return s.StringTo(&p.IssuerURL)
	case "client_id":
		return s.StringTo(&p.ClientID)
	case "redirect_uri":
		return s.StringTo(&p.RedirectURI)
	case "prompt":
		return s.StringTo(&p.Prompt)
	case "flow":
		return s.StringTo(&p.Flow)
	case "session_policy":
		return s.StringTo(&p.SessionPolicy)
	case "duration_seconds":
		var ok bool
		p.DurationSeconds, ok = s.Int()
		return ok
	case "scopes":
		var ok bool
		p.Scopes, ok = s.Strings()
		return ok
	case "session_policy_arns":
		var ok bool
		p.SessionPolicyARNs, ok = s.Strings()
		return ok
	}
	return false
}
