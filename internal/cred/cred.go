// Package cred defines what tip-cli obtains and hands out: the IdP's
// tokens (idp returns them), temporary AWS credentials (exchange, session,
// credproc, the credential server) and S3 Access Grants credentials
// (s3ag). It is a leaf that imports only the standard library, so the
// lean credential_process binary and the SDK-free core packages (store,
// credproc, warm, s3ag) can share the types with the packages that link
// the AWS SDK or oidc. The JSON tags are the store's on-disk format: change
// none of them without a store migration.
package cred

import "time"

// Tokens are the IdP's OAuth 2.0 / OIDC tokens.
type Tokens struct {
	IDToken      string `json:"id_token"`
	AccessToken  string `json:"access_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is the ID token's exp claim.
	Expiry time.Time `json:"expiry"`
	// Subject and Email are display data from the verified ID token.
	Subject string `json:"sub,omitempty"`
	Email   string `json:"email,omitempty"`
	// IssuedAt is when tip-cli received the tokens (local clock).
	IssuedAt time.Time `json:"issued_at"`
	// Metadata pins the IdP metadata a refresh of these tokens trusts. It
	// is kept beside the refresh token (same bundle, same lock), because
	// the on-disk metadata cache is not authenticated: anyone who can
	// write the config directory can write it. Nil (tokens saved before
	// the pin existed) makes the next refresh fetch the metadata anew.
	Metadata *IdPMetadata `json:"idp_metadata,omitempty"`
	// RefreshPresented is the intent record of a refresh: saved before
	// RefreshToken is sent, cleared with the IdP's answer. Found set, the
	// token may have been rotated by an IdP whose answer was lost (a crash,
	// a timeout, a save that failed): it is never sent again, and only a new
	// sign-in continues. It is session state, not an IdP field.
	RefreshPresented bool `json:"refresh_presented,omitempty"`
}

// IdPMetadata is what tip-cli itself fetched from the issuer: SHA-256
// digests (hex) of the discovery document and the JWKS, and when each was
// fetched and stops being trusted. A cached document is used only when its
// digest matches and now lies within its pinned lifetime.
type IdPMetadata struct {
	Issuer           string    `json:"issuer"`
	DiscoverySHA256  string    `json:"discovery_sha256,omitempty"`
	DiscoveryFetched time.Time `json:"discovery_fetched"`
	DiscoveryExpires time.Time `json:"discovery_expires"`
	JWKSSHA256       string    `json:"jwks_sha256,omitempty"`
	JWKSFetched      time.Time `json:"jwks_fetched"`
	JWKSExpires      time.Time `json:"jwks_expires"`
}

// Credentials are temporary AWS credentials.
type Credentials struct {
	AccessKeyID     string    `json:"access_key_id"`
	SecretAccessKey string    `json:"secret_access_key"`
	SessionToken    string    `json:"session_token"`
	Expiration      time.Time `json:"expiration"`
	// AccountID comes from the assumed-role ARN.
	AccountID string `json:"account_id,omitempty"`
	// RoleARN is the assumed-role ARN (arn:aws:sts::ACCT:assumed-role/R/S).
	AssumedRoleARN string `json:"assumed_role_arn,omitempty"`
	// Identity is the Identity Center user id the session carries.
	Identity string `json:"identity,omitempty"`
	// Origin is the person an IAM-federation session carries (STS's
	// TrustedIdentityPropagationContext); nil in identity-center mode.
	Origin *Origin `json:"origin,omitempty"`
	// Chain is the profile's config.Profile.ChainID when the session was
	// minted: a session is served only under the same mode and roles.
	Chain string `json:"chain,omitempty"`
	// MintedAt is when tip-cli obtained the credentials (local clock); the
	// expiry policy always serves just-minted credentials.
	MintedAt time.Time `json:"minted_at"`
}

// Origin is the person STS attached to an IAM-federation session
// (aws:OriginIdentity/*). Subject names a person: it is never logged.
type Origin struct {
	Subject              string `json:"subject"`
	SubjectType          string `json:"subject_type"`
	Issuer               string `json:"issuer"`
	FederatedProviderARN string `json:"federated_provider_arn"`
}

// Grant is one set of S3 Access Grants credentials and the scope it covers.
type Grant struct {
	// Target is the MatchedGrantTarget (e.g. s3://bucket/prefix/*).
	Target     string `json:"target"`
	Permission string `json:"permission"`
	Privilege  string `json:"privilege"`
	TargetType string `json:"target_type,omitempty"`
	// Requested is the S3 URI asked for when Privilege is Minimal (the
	// credentials then cover only that target).
	Requested   string       `json:"requested,omitempty"`
	Credentials *Credentials `json:"credentials"`
}
