// Package exchange turns a verified IdP ID token into identity-enhanced AWS
// credentials: STS AssumeRoleWithWebIdentity into the OIDC role, SSO OIDC
// CreateTokenWithIAM for the Identity Center context, then STS AssumeRole
// into the identity-enhanced role carrying that context (trusted identity
// propagation). Each step is its own method so `diag` can run them one at a
// time; Exchange runs the chain.
package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/scope"
)

// IdentityCenterContextProvider is the ProviderArn of Identity Center context
// assertions in AssumeRole's ProvidedContexts.
const IdentityCenterContextProvider = "arn:aws:iam::aws:contextProvider/IdentityCenter"

// JWTBearerGrant is CreateTokenWithIAM's grant type for an IdP assertion (RFC 7523).
const JWTBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// Chain holds what the three steps need. AWS must carry the region, HTTP
// client and endpoint configuration; its credentials are never used: step 1
// is unsigned and steps 2–3 are signed by the OIDC role session, so ambient
// AWS credentials cannot leak into the chain.
type Chain struct {
	AWS               aws.Config
	OIDCRoleARN       string
	IDEnhancedRoleARN string
	ApplicationARN    string
	// SessionName names the OIDC role session (default "tip-cli").
	SessionName string
	// Duration of the identity-enhanced session; 0 lets STS choose (1 h).
	Duration time.Duration
	Now      func() time.Time
	// Trace, when set, is told about each step as it completes (err == nil)
	// or fails; `demo` and `--debug` narrate the chain with it. It never
	// receives a token or secret.
	Trace func(step Step, detail string, err error)
}

// Scope narrows the identity-enhanced session with session policies (#7).
// It lives in the SDK-free package scope so the lean credential_process
// binary computes the same cache key; the alias keeps exchange.Scope valid.
type Scope = scope.Scope

// Identity is what CreateTokenWithIAM tells about the user.
type Identity struct {
	// UserID is the Identity Center user id (the idToken's sub).
	UserID string
	// Context is the identity context assertion for sts:SetContext.
	Context string
	// Claims are the idToken's claims (unverified: they come straight from
	// the signed AWS response and are used for display and naming only).
	Claims map[string]any
}

// Exchange runs the whole chain with a fresh IdP ID token (IAM Identity
// Center accepts each assertion once).
func (c *Chain) Exchange(ctx context.Context, idToken string, scope Scope) (*cred.Credentials, error) {
	oidcCreds, err := c.AssumeOIDCRole(ctx, idToken)
	c.trace(StepWebIdentity, c.OIDCRoleARN, err)
	if err != nil {
		return nil, err
	}
	id, err := c.CreateToken(ctx, oidcCreds, idToken)
	if err != nil {
		c.trace(StepCreateToken, c.ApplicationARN, err)
		return nil, err
	}
	c.trace(StepCreateToken, "Identity Center user "+id.UserID, nil)
	creds, err := c.AssumeIdentityEnhancedRole(ctx, oidcCreds, id, scope)
	if err != nil {
		c.trace(StepAssumeRole, c.IDEnhancedRoleARN, err)
		return nil, err
	}
	c.trace(StepAssumeRole, creds.AssumedRoleARN, nil)
	return creds, nil
}

func (c *Chain) trace(step Step, detail string, err error) {
	if c.Trace != nil {
		c.Trace(step, detail, err)
	}
}

// AssumeOIDCRole is step 1: AssumeRoleWithWebIdentity (unsigned) into the OIDC role.
func (c *Chain) AssumeOIDCRole(ctx context.Context, idToken string) (aws.Credentials, error) {
	client := sts.NewFromConfig(c.AWS, func(o *sts.Options) {
		o.Credentials = aws.AnonymousCredentials{}
	})
	name := c.SessionName
	if name == "" {
		name = "tip-cli"
	}
	out, err := client.AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(c.OIDCRoleARN),
		RoleSessionName:  aws.String(name),
		WebIdentityToken: aws.String(idToken),
		DurationSeconds:  aws.Int32(900), // only needs to outlive steps 2–3
	})
	if err != nil {
		return aws.Credentials{}, newStepError(StepWebIdentity, c.OIDCRoleARN, err)
	}
	if out.Credentials == nil {
		return aws.Credentials{}, fmt.Errorf("assume OIDC role %s: response has no credentials", c.OIDCRoleARN)
	}
	return aws.Credentials{
		AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken:    aws.ToString(out.Credentials.SessionToken),
		Source:          "tip-cli OIDC role",
		CanExpire:       true,
		Expires:         aws.ToTime(out.Credentials.Expiration),
	}, nil
}

// CreateToken is step 2: CreateTokenWithIAM, signed by the OIDC role session,
// exchanging the IdP assertion for the Identity Center identity context.
func (c *Chain) CreateToken(ctx context.Context, oidcCreds aws.Credentials, idToken string) (*Identity, error) {
	client := ssooidc.NewFromConfig(c.AWS, func(o *ssooidc.Options) {
		o.Credentials = aws.NewCredentialsCache(staticProvider(oidcCreds))
	})
	out, err := client.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
		ClientId:  aws.String(c.ApplicationARN),
		GrantType: aws.String(JWTBearerGrant),
		Assertion: aws.String(idToken),
	})
	if err != nil {
		return nil, newStepError(StepCreateToken, c.ApplicationARN, err)
	}
	claims, err := decodeClaims(aws.ToString(out.IdToken))
	if err != nil {
		return nil, fmt.Errorf("create token with IAM: read idToken: %w", err)
	}
	id := &Identity{Claims: claims}
	id.UserID, _ = claims["sub"].(string)
	if out.AwsAdditionalDetails != nil {
		id.Context = aws.ToString(out.AwsAdditionalDetails.IdentityContext)
	}
	if id.Context == "" {
		id.Context, _ = claims["sts:identity_context"].(string)
	}
	if id.Context == "" || id.UserID == "" {
		return nil, fmt.Errorf("create token with IAM: response lacks the identity context or user id")
	}
	return id, nil
}

// AssumeIdentityEnhancedRole is step 3: AssumeRole with the Identity Center
// context, signed by the OIDC role session.
func (c *Chain) AssumeIdentityEnhancedRole(ctx context.Context, oidcCreds aws.Credentials, id *Identity, scope Scope) (*cred.Credentials, error) {
	client := sts.NewFromConfig(c.AWS, func(o *sts.Options) {
		o.Credentials = aws.NewCredentialsCache(staticProvider(oidcCreds))
	})
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(c.IDEnhancedRoleARN),
		RoleSessionName: aws.String(SessionName(id.UserID)),
		ProvidedContexts: []ststypes.ProvidedContext{{
			ProviderArn:      aws.String(IdentityCenterContextProvider),
			ContextAssertion: aws.String(id.Context),
		}},
	}
	if c.Duration > 0 {
		in.DurationSeconds = aws.Int32(int32(c.Duration / time.Second))
	}
	applyScope(in, scope)
	out, err := client.AssumeRole(ctx, in)
	if err != nil {
		return nil, newStepError(StepAssumeRole, c.IDEnhancedRoleARN, err)
	}
	creds, err := c.credentials(out, id.UserID)
	if err != nil {
		return nil, fmt.Errorf("assume identity-enhanced role %s: %w", c.IDEnhancedRoleARN, err)
	}
	return creds, nil
}

// AssumePlainRole assumes roleARN with the OIDC role session and no
// identity context (console --role-arn: the federation endpoint may refuse
// identity-enhanced sessions). duration 0 lets STS choose.
func (c *Chain) AssumePlainRole(ctx context.Context, oidcCreds aws.Credentials, roleARN string, duration time.Duration, scope Scope) (*cred.Credentials, error) {
	client := sts.NewFromConfig(c.AWS, func(o *sts.Options) {
		o.Credentials = aws.NewCredentialsCache(staticProvider(oidcCreds))
	})
	in := &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("tip-cli-console")}
	if duration > 0 {
		in.DurationSeconds = aws.Int32(int32(duration / time.Second))
	}
	applyScope(in, scope)
	out, err := client.AssumeRole(ctx, in)
	if err != nil {
		return nil, newStepError(StepAssumeRole, roleARN, err)
	}
	return c.credentials(out, "")
}

func applyScope(in *sts.AssumeRoleInput, scope Scope) {
	if scope.Policy != "" {
		in.Policy = aws.String(scope.Policy)
	}
	for _, arn := range scope.PolicyARNs {
		in.PolicyArns = append(in.PolicyArns, ststypes.PolicyDescriptorType{Arn: aws.String(arn)})
	}
}

func (c *Chain) credentials(out *sts.AssumeRoleOutput, identity string) (*cred.Credentials, error) {
	if out.Credentials == nil || out.AssumedRoleUser == nil {
		return nil, fmt.Errorf("assume role: response has no credentials")
	}
	arn := aws.ToString(out.AssumedRoleUser.Arn)
	return &cred.Credentials{
		AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
		SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
		SessionToken:    aws.ToString(out.Credentials.SessionToken),
		Expiration:      aws.ToTime(out.Credentials.Expiration),
		AccountID:       AccountFromARN(arn),
		AssumedRoleARN:  arn,
		Identity:        identity,
		MintedAt:        c.now(),
	}, nil
}

func (c *Chain) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func staticProvider(creds aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return creds, nil }
}
