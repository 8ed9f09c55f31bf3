package awsemu

import (
	"strings"
	"sync"
)

// customApplicationProviderARN is the provider of customer managed
// applications, the only kind CreateTokenWithIAM accepts as clientId.
const customApplicationProviderARN = "arn:aws:sso::aws:applicationProvider/custom"

// IdentityCenterConfig shapes the emulated IAM Identity Center that `diag`
// reads through SSO Admin and IdentityStore. The zero value is a healthy
// setup for the sandbox IdP; each field reproduces one misconfiguration.
type IdentityCenterConfig struct {
	// ApplicationDisabled makes DescribeApplication report Status DISABLED.
	ApplicationDisabled bool
	// ApplicationProviderARN defaults to customApplicationProviderARN; any
	// other value makes the application AWS managed.
	ApplicationProviderARN string

	// NoActorPolicy removes the IAM authentication method
	// (GetApplicationAuthenticationMethod answers ResourceNotFoundException).
	NoActorPolicy bool
	// ActorPolicy replaces the generated actor policy document.
	ActorPolicy map[string]any
	// ActorRoleARN is the principal the generated actor policy allows;
	// default the OIDC role.
	ActorRoleARN string

	// NoJWTBearerGrant leaves the application without a jwt-bearer grant.
	NoJWTBearerGrant bool
	// Audiences are the trusted token issuer's AuthorizedAudiences in the
	// grant; default the AWS emulator's accepted audiences (the IdP client id).
	Audiences []string

	// IssuerURL is the trusted token issuer's IssuerUrl; default the
	// emulator's IdP issuer.
	IssuerURL string
	// ClaimAttributePath defaults to "email".
	ClaimAttributePath string
	// IdentityStoreAttributePath defaults to "emails.value".
	IdentityStoreAttributePath string

	// Users are the identity store's users; nil means one SCIM-provisioned
	// user per AWSOptions.Users entry, member of its AWSOptions.Groups.
	// An empty non-nil slice means no users.
	Users []IdentityStoreUser

	// AssignmentRequired makes the application require assignments.
	AssignmentRequired bool
	// AssignedUsers and AssignedGroups are the application's assignments
	// (user ids and group ids).
	AssignedUsers, AssignedGroups []string

	// AccessScopes default to s3:access_grants:read_write for any target;
	// NoAccessScopes configures none.
	AccessScopes   []AccessScope
	NoAccessScopes bool

	// DenyOperations answer AccessDeniedException for these operation
	// names (e.g. "DescribeApplication", "GetUserId").
	DenyOperations []string
}

// IdentityStoreUser is one user of the emulated identity store.
type IdentityStoreUser struct {
	ID       string
	UserName string
	Email    string
	// ExternalIDs are SCIM external ids (issuer → id); empty when the user
	// was created by hand rather than provisioned.
	ExternalIDs map[string]string
	// GroupIDs are the groups the user is a member of.
	GroupIDs []string
}

// AccessScope is one application access scope and its authorized targets
// (application ARNs; empty means any).
type AccessScope struct {
	Scope   string
	Targets []string
}

// IdentityCenter is the emulated IAM Identity Center configuration behind
// the SSO Admin and IdentityStore handlers.
type IdentityCenter struct {
	aws *AWS

	mu  sync.Mutex
	cfg IdentityCenterConfig
}

// InstallIdentityCenter registers the SSO Admin and IdentityStore
// operations diag uses on a, configured by cfg. Installing again replaces
// the previous configuration's handlers.
func InstallIdentityCenter(a *AWS, cfg IdentityCenterConfig) *IdentityCenter {
	ic := &IdentityCenter{aws: a, cfg: cfg}
	ic.installSSOAdmin()
	ic.installIdentityStore()
	return ic
}

// TrustedTokenIssuerARN is the trusted token issuer of the application's
// jwt-bearer grant.
func (ic *IdentityCenter) TrustedTokenIssuerARN() string {
	return "arn:aws:sso::" + ic.aws.opts.AccountID + ":trustedTokenIssuer/" + awsInstanceID + "/tti-sandbox"
}

// config returns the configuration with defaults applied.
func (ic *IdentityCenter) config() IdentityCenterConfig {
	ic.mu.Lock()
	cfg := ic.cfg
	ic.mu.Unlock()
	a := ic.aws
	if cfg.ApplicationProviderARN == "" {
		cfg.ApplicationProviderARN = customApplicationProviderARN
	}
	if cfg.ActorRoleARN == "" {
		cfg.ActorRoleARN = a.OIDCRoleARN()
	}
	if cfg.Audiences == nil {
		cfg.Audiences = a.opts.Audiences
	}
	if cfg.IssuerURL == "" {
		cfg.IssuerURL = a.opts.IssuerURL
	}
	if cfg.ClaimAttributePath == "" {
		cfg.ClaimAttributePath = "email"
	}
	if cfg.IdentityStoreAttributePath == "" {
		cfg.IdentityStoreAttributePath = "emails.value"
	}
	if cfg.Users == nil {
		cfg.Users = ic.defaultUsers()
	}
	if cfg.AccessScopes == nil && !cfg.NoAccessScopes {
		cfg.AccessScopes = []AccessScope{{Scope: "s3:access_grants:read_write"}}
	}
	if cfg.NoAccessScopes {
		cfg.AccessScopes = nil
	}
	return cfg
}

// defaultUsers provisions every AWSOptions.Users entry as a SCIM user.
func (ic *IdentityCenter) defaultUsers() []IdentityStoreUser {
	a := ic.aws
	users := make([]IdentityStoreUser, 0, len(a.opts.Users))
	for email, id := range a.opts.Users {
		users = append(users, IdentityStoreUser{
			ID:          id,
			UserName:    strings.ToLower(email),
			Email:       email,
			ExternalIDs: map[string]string{"https://scim.example.com": "scim-" + id},
			GroupIDs:    a.opts.Groups[id],
		})
	}
	return users
}

// denied reports whether op is configured to be refused.
func (cfg *IdentityCenterConfig) denied(op string) bool {
	for _, d := range cfg.DenyOperations {
		if d == op {
			return true
		}
	}
	return false
}

// actorPolicy returns the configured or generated actor policy document.
func (cfg *IdentityCenterConfig) actorPolicy() map[string]any {
	if cfg.ActorPolicy != nil {
		return cfg.ActorPolicy
	}
	return map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": cfg.ActorRoleARN},
			"Action":    "sso-oauth:CreateTokenWithIAM",
			"Resource":  "*",
		}},
	}
}

// user finds a user by id.
func (cfg *IdentityCenterConfig) user(id string) (IdentityStoreUser, bool) {
	for _, u := range cfg.Users {
		if u.ID == id {
			return u, true
		}
	}
	return IdentityStoreUser{}, false
}
