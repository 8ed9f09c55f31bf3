package sandbox

import (
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
)

// EnvOptions configures a whole sandbox: IdP plus AWS emulation.
type EnvOptions struct {
	Now    func() time.Time
	Grants []awsemu.GrantRule
	// IdPAddr and AWSAddr default to 127.0.0.1:0.
	IdPAddr, AWSAddr string
	// DeviceInterval is the device flow polling interval (default 5 s).
	DeviceInterval time.Duration
	// IDTokenTTL is the IdP ID token lifetime (default 1 h).
	IDTokenTTL time.Duration
	// Key signs the IdP's and Identity Center's tokens; generated when nil.
	// Tests pass one cached key: RSA-2048 generation takes ~130 ms.
	Key *rsa.PrivateKey
	// SessionLifetime shortens identity-enhanced, S3 Access Grants and
	// federation-role sessions (awsemu.AWSOptions.SessionLifetime).
	SessionLifetime time.Duration
	// NoJTI makes the IdP issue ID tokens without jti (idpemu.IdPOptions.NoJTI).
	NoJTI bool
	// NoDevice hides the IdP's device flow (idpemu.IdPOptions.NoDevice).
	NoDevice bool

	// TIP for IAM federation. The IdP always has an IAM OIDC provider
	// (Env.AWS.OIDCProviderARN) trusted by the identity-center chain's OIDC
	// role and by a federation role (Env.FederationRoleARN).
	//
	// ContextProvider is the provider's context provider; nil leaves it
	// without one, so federation-mode sessions do not carry the person and
	// must be refused. ContextProviderEmail() is the usual choice.
	ContextProvider *awsemu.ContextProvider
	// LinkIdentityCenter links the provider to the sandbox's Identity Center
	// instance (needs ContextProvider).
	LinkIdentityCenter bool
	// FederationMaxSession is the federation role's MaxSessionDuration
	// (default 12 h).
	FederationMaxSession time.Duration
	// FederationAudience is the aud the federation role's trust policy
	// requires (default the IdP's client id; another value breaks the trust).
	FederationAudience string
}

// ContextProviderEmail is a context provider naming the person by the ID
// token's email claim, of subject type "user", with the name claim mapped
// to aws:TransactionContext/IdentityProvider/display_name.
func ContextProviderEmail() *awsemu.ContextProvider {
	return &awsemu.ContextProvider{SubjectSourceKey: "email", SubjectTypeValue: "user",
		KeyDefinitions: []awsemu.KeyDefinition{{SourceKey: "name", TargetKey: "display_name"}}}
}

// Env is a running sandbox: a loopback OIDC provider and the AWS services
// of the TIP chain trusting it.
type Env struct {
	IdP *idpemu.IdP
	AWS *awsemu.AWS
}

// AliceUserID is the Identity Center user id of the sandbox's default user.
const AliceUserID = "94482488-3041-7026-18f3-b2c0e1a1a11c"

// AliceEmail is the sandbox user's email: the IdP's default user, and the
// subject of her sessions under ContextProviderEmail.
const AliceEmail = "alice@example.com"

// Region is the region the sandbox pretends to be in.
const Region = "us-east-1"

// DefaultGrants are the S3 Access Grants the demo and end-to-end runs use:
// alice (by group) may read and write her team prefix and read the bucket.
func DefaultGrants() []awsemu.GrantRule {
	return []awsemu.GrantRule{
		{Grantee: "data-analysts", Scope: "s3://tip-sandbox-data/*", Permission: "READ"},
		{Grantee: "data-analysts", Scope: "s3://tip-sandbox-data/analysts/*", Permission: "READWRITE"},
	}
}

// Start starts the IdP and the AWS emulation on loopback.
func Start(o EnvOptions) (*Env, error) {
	idp, err := idpemu.NewIdP(idpemu.IdPOptions{Now: o.Now, Addr: o.IdPAddr, DeviceInterval: o.DeviceInterval, IDTokenTTL: o.IDTokenTTL, NoJTI: o.NoJTI, NoDevice: o.NoDevice, Key: o.Key})
	if err != nil {
		return nil, fmt.Errorf("start sandbox IdP: %w", err)
	}
	grants := o.Grants
	if grants == nil {
		grants = DefaultGrants()
	}
	awsEmu, err := awsemu.NewAWS(awsemu.AWSOptions{
		Now:       o.Now,
		IssuerURL: idp.Issuer(),
		Audiences: []string{idp.ClientID()},
		Region:    Region,
		Users:     map[string]string{AliceEmail: AliceUserID},
		Groups:    map[string][]string{AliceUserID: {"data-analysts"}},
		Grants:    grants,
		Addr:      o.AWSAddr,
		Key:       o.Key,

		SessionLifetime: o.SessionLifetime,

		ContextProvider:      o.ContextProvider,
		LinkIdentityCenter:   o.LinkIdentityCenter,
		FederationMaxSession: o.FederationMaxSession,
		FederationAudience:   o.FederationAudience,
	})
	if err != nil {
		idp.Close()
		return nil, fmt.Errorf("start sandbox AWS: %w", err)
	}
	awsemu.InstallIdentityCenter(awsEmu, awsemu.IdentityCenterConfig{}) // a healthy Identity Center for `diag`
	return &Env{IdP: idp, AWS: awsEmu}, nil
}

// Close stops both servers.
func (e *Env) Close() {
	e.AWS.Close()
	e.IdP.Close()
}

// Profile returns a tip-cli profile pointing at the sandbox.
func (e *Env) Profile(redirectURI string) *config.Profile {
	return &config.Profile{
		Provider:                    config.ProviderOIDC,
		IssuerURL:                   e.IdP.Issuer(),
		ClientID:                    e.IdP.ClientID(),
		TokenExchangeApplicationARN: e.AWS.ApplicationARN(),
		OIDCRoleARN:                 e.AWS.OIDCRoleARN(),
		IDEnhancedRoleARN:           e.AWS.IDEnhancedRoleARN(),
		Region:                      Region,
		RedirectURI:                 redirectURI,
	}
}

// FederationProfile is a "tip_mode": "iam-federation" profile for the
// sandbox: the IdP's keys and the federation role, lasting duration (0: the
// profile default, one hour).
func (e *Env) FederationProfile(redirectURI string, duration time.Duration) *config.Profile {
	return &config.Profile{
		Provider:        config.ProviderOIDC,
		IssuerURL:       e.IdP.Issuer(),
		ClientID:        e.IdP.ClientID(),
		Mode:            config.TIPModeIAMFederation,
		RoleARN:         e.AWS.FederationRoleARN(),
		DurationSeconds: int(duration / time.Second),
		Region:          Region,
		RedirectURI:     redirectURI,
	}
}

// FederationRoleARN is the role trusted through the IdP's IAM OIDC provider
// that a federation-mode ("tip_mode": "iam-federation") profile names as
// role_arn.
func (e *Env) FederationRoleARN() string { return e.AWS.FederationRoleARN() }

// Environ returns the environment that points the AWS SDK and CLI at the
// sandbox (standard AWS_ENDPOINT_URL override).
func (e *Env) Environ() []string {
	return []string{
		"AWS_ENDPOINT_URL=" + e.AWS.URL(),
		"AWS_REGION=" + Region,
		"AWS_DEFAULT_REGION=" + Region,
	}
}

// AWSConfig returns an SDK configuration that reaches the sandbox with
// anonymous credentials (tip-cli signs with what it minted).
func (e *Env) AWSConfig() aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      aws.AnonymousCredentials{},
		BaseEndpoint:     aws.String(e.AWS.URL()),
		RetryMaxAttempts: 1,
	}
}
