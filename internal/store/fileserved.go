package store

import (
	"encoding/json"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/jsonscan"
)

// servedEnvelope is what the warm path decodes of a file-store file: the
// envelope and the served part of the bundle. The IdP tokens and the
// assertion ledger are skipped (checked for syntax only), as the keyring
// store keeps them sealed apart from the served part.
type servedEnvelope struct {
	Version int     `json:"version"`
	Profile string  `json:"profile"`
	Bundle  *Served `json:"bundle"`
}

// decodeServed is decodeFile for the warm path: the served part of a
// file's bundle, or nil for anything that is not a whole envelope for
// profile. It reads the common form without reflection (decodeServedFast:
// encoding/json's first decode costs a fresh credential_process more than
// the rest of its work, issue #23) and everything else with encoding/json
// into servedEnvelope, which defines the result.
func decodeServed(data []byte, profile string) *Served {
	if len(data) > maxFileSize {
		return nil
	}
	env, ok := decodeServedFast(data)
	if !ok {
		env = servedEnvelope{}
		if err := json.Unmarshal(data, &env); err != nil {
			return nil
		}
	}
	if env.Version != fileVersion || env.Profile != profile || env.Bundle == nil {
		return nil
	}
	return env.Bundle
}

// decodeServedFast decodes data as json.Unmarshal into a servedEnvelope
// would, or returns ok=false (jsonscan's plain subset, known keys only;
// TestDecodeServedFastMatchesEncodingJSON keeps the two equal).
func decodeServedFast(data []byte) (env servedEnvelope, ok bool) {
	s := jsonscan.New(data)
	ok = s.Object(func(key string) bool {
		var ok bool
		switch key {
		case "version":
			env.Version, ok = s.Int()
		case "profile":
			env.Profile, ok = s.String()
		case "bundle":
			env.Bundle = new(Served)
			ok = s.Object(func(key string) bool { return env.Bundle.decodeField(s, key) })
		}
		return ok
	})
	return env, ok && s.End()
}

// decodeField reads one key of a bundle into the served part: sessions
// and grants are decoded, the IdP tokens and the ledger skipped.
func (sv *Served) decodeField(s *jsonscan.Scanner, key string) bool {
	switch key {
	case "idp", "presented":
		return s.Skip()
	case "sessions":
		sv.Sessions = map[string]*cred.Credentials{}
		return s.Object(func(scope string) bool {
			c, ok := decodeCredentials(s)
			sv.Sessions[scope] = c
			return ok
		})
	case "grants":
		sv.Grants = []*cred.Grant{}
		return s.Array(func() bool {
			g := new(cred.Grant)
			sv.Grants = append(sv.Grants, g)
			return s.Object(func(key string) bool { return decodeGrantField(s, g, key) })
		})
	}
	return false
}

func decodeGrantField(s *jsonscan.Scanner, g *cred.Grant, key string) bool {
	switch key {
	case "target":
		return s.StringTo(&g.Target)
	case "permission":
		return s.StringTo(&g.Permission)
	case "privilege":
		return s.StringTo(&g.Privilege)
	case "target_type":
		return s.StringTo(&g.TargetType)
	case "requested":
		return s.StringTo(&g.Requested)
	case "credentials":
		var ok bool
		g.Credentials, ok = decodeCredentials(s)
		return ok
	}
	return false
}

// decodeCredentials reads a cred.Credentials object.
func decodeCredentials(s *jsonscan.Scanner) (*cred.Credentials, bool) {
	c := new(cred.Credentials)
	ok := s.Object(func(key string) bool {
		switch key {
		case "access_key_id":
			return s.StringTo(&c.AccessKeyID)
		case "secret_access_key":
			return s.StringTo(&c.SecretAccessKey)
		case "session_token":
			return s.StringTo(&c.SessionToken)
		case "account_id":
			return s.StringTo(&c.AccountID)
		case "assumed_role_arn":
			return s.StringTo(&c.AssumedRoleARN)
		case "identity":
			return s.StringTo(&c.Identity)
		case "chain":
			return s.StringTo(&c.Chain)
		case "expiration":
			return decodeTime(s, &c.Expiration)
		case "minted_at":
			return decodeTime(s, &c.MintedAt)
		case "origin":
			c.Origin = new(cred.Origin)
			return s.Object(func(key string) bool { return decodeOriginField(s, c.Origin, key) })
		}
		return false
	})
	return c, ok
}

func decodeOriginField(s *jsonscan.Scanner, o *cred.Origin, key string) bool {
	switch key {
	case "subject":
		return s.StringTo(&o.Subject)
	case "subject_type":
		return s.StringTo(&o.SubjectType)
	case "issuer":
		return s.StringTo(&o.Issuer)
	case "federated_provider_arn":
		return s.StringTo(&o.FederatedProviderARN)
	}
	return false
}

// decodeTime hands a string literal to time.Time's UnmarshalJSON, as
// encoding/json does.
func decodeTime(s *jsonscan.Scanner, t *time.Time) bool {
	lit, ok := s.RawString()
	return ok && t.UnmarshalJSON(lit) == nil
}
