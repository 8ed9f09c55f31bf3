package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/tip-cli/tip-cli/internal/awsid"
	"github.com/tip-cli/tip-cli/internal/cred"
)

// identityCenterContextProvider is the ProviderArn of Identity Center context
// assertions in AssumeRole's ProvidedContexts.
const identityCenterContextProvider = "arn:aws:iam::aws:contextProvider/IdentityCenter"

// jwtBearerGrant is CreateTokenWithIAM's grant type for an IdP assertion (RFC 7523).
const jwtBearerGrant = "urn:ietf:params:oauth:grant-type:jwt-bearer"

// stepOIDCRole: AssumeRoleWithWebIdentity (unsigned) into the OIDC role; its
// short session signs the next steps.
var stepOIDCRole = Step{
	Name:     stepNameWebIdentity,
	CheckID:  CheckWebIdentity,
	Title:    "Live: AssumeRoleWithWebIdentity into the OIDC role",
	Resource: func(c *Chain) string { return c.OIDCRoleARN },
	Run: func(ctx context.Context, c *Chain, s *State) (string, error) {
		out, err := c.assumeWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(c.OIDCRoleARN),
			RoleSessionName:  aws.String(c.sessionName()),
			WebIdentityToken: aws.String(s.IDToken),
			DurationSeconds:  aws.Int32(900), // only needs to outlive the next steps
		})
		if err != nil {
			return "", err
		}
		s.First = aws.Credentials{
			AccessKeyID:     aws.ToString(out.Credentials.AccessKeyId),
			SecretAccessKey: aws.ToString(out.Credentials.SecretAccessKey),
			SessionToken:    aws.ToString(out.Credentials.SessionToken),
			Source:          "tip-cli OIDC role",
			CanExpire:       true,
			Expires:         aws.ToTime(out.Credentials.Expiration),
		}
		return c.OIDCRoleARN, nil
	},
}

// stepCreateToken: CreateTokenWithIAM, signed by the OIDC role session,
// exchanging the IdP assertion (accepted once) for the Identity Center
// identity context.
var stepCreateToken = Step{
	Name:      StepCreateToken,
	CheckID:   CheckCreateToken,
	Title:     "Live: CreateTokenWithIAM with the application",
	SingleUse: true,
	Resource:  func(c *Chain) string { return c.ApplicationARN },
	Run: func(ctx context.Context, c *Chain, s *State) (string, error) {
		client := ssooidc.NewFromConfig(c.AWS, func(o *ssooidc.Options) {
			o.Credentials = aws.NewCredentialsCache(staticProvider(s.First))
			// A retry would present the same single-use assertion again:
			// Identity Center refuses it, and the ledger promises once.
			o.Retryer = aws.NopRetryer{}
		})
		out, err := client.CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
			ClientId:  aws.String(c.ApplicationARN),
			GrantType: aws.String(jwtBearerGrant),
			Assertion: aws.String(s.IDToken),
		})
		if err != nil {
			return "", newStepError(StepCreateToken, c.ApplicationARN, err)
		}
		id, err := identityFrom(out)
		if err != nil {
			return "", err
		}
		s.Identity = id
		return "Identity Center user " + id.UserID, nil
	},
}

func identityFrom(out *ssooidc.CreateTokenWithIAMOutput) (*Identity, error) {
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

// stepIdentityEnhancedRole: AssumeRole with the Identity Center context,
// signed by the OIDC role session.
var stepIdentityEnhancedRole = Step{
	Name:     stepNameAssumeRole,
	CheckID:  CheckAssumeRole,
	Title:    "Live: AssumeRole into the identity-enhanced role",
	Resource: func(c *Chain) string { return c.IDEnhancedRoleARN },
	Run: func(ctx context.Context, c *Chain, s *State) (string, error) {
		in := &sts.AssumeRoleInput{
			RoleArn:         aws.String(c.IDEnhancedRoleARN),
			RoleSessionName: aws.String(sessionName(s.Identity.UserID)),
			ProvidedContexts: []ststypes.ProvidedContext{{
				ProviderArn:      aws.String(identityCenterContextProvider),
				ContextAssertion: aws.String(s.Identity.Context),
			}},
		}
		creds, err := c.assumeRole(ctx, s, in, c.IDEnhancedRoleARN)
		if err != nil {
			return "", err
		}
		creds.Identity = s.Identity.UserID
		s.Result = creds
		return creds.AssumedRoleARN, nil
	},
}

// stepPlainRole: AssumeRole into PlainRoleARN with the OIDC role session and
// no identity context (console --role-arn in identity-center mode).
var stepPlainRole = Step{
	Name:     stepNameAssumeRole,
	CheckID:  CheckPlainRole,
	Title:    "Live: AssumeRole into the console role",
	Resource: func(c *Chain) string { return c.PlainRoleARN },
	Run: func(ctx context.Context, c *Chain, s *State) (string, error) {
		in := &sts.AssumeRoleInput{RoleArn: aws.String(c.PlainRoleARN), RoleSessionName: aws.String("tip-cli-console")}
		creds, err := c.assumeRole(ctx, s, in, c.PlainRoleARN)
		if err != nil {
			return "", err
		}
		s.Result = creds
		return creds.AssumedRoleARN, nil
	},
}

// assumeRole runs AssumeRole signed by the first-hop session, with the
// chain's duration and the walk's session policies.
func (c *Chain) assumeRole(ctx context.Context, s *State, in *sts.AssumeRoleInput, roleARN string) (*cred.Credentials, error) {
	client := sts.NewFromConfig(c.AWS, func(o *sts.Options) {
		o.Credentials = aws.NewCredentialsCache(staticProvider(s.First))
	})
	if c.Duration > 0 {
		in.DurationSeconds = aws.Int32(int32(c.Duration / time.Second))
	}
	in.Policy, in.PolicyArns = sessionPolicies(s.Scope)
	out, err := client.AssumeRole(ctx, in)
	if err != nil {
		return nil, newStepError(stepNameAssumeRole, roleARN, err)
	}
	if out.Credentials == nil || out.AssumedRoleUser == nil {
		return nil, fmt.Errorf("assume role %s: response has no credentials", roleARN)
	}
	creds, err := c.credentials(out.Credentials, out.AssumedRoleUser)
	if err != nil {
		return nil, fmt.Errorf("assume role %s: %w", roleARN, err)
	}
	return creds, nil
}

// assumeWebIdentity runs the unsigned AssumeRoleWithWebIdentity.
func (c *Chain) assumeWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	client := sts.NewFromConfig(c.AWS, func(o *sts.Options) {
		o.Credentials = aws.AnonymousCredentials{}
	})
	roleARN := aws.ToString(in.RoleArn)
	out, err := client.AssumeRoleWithWebIdentity(ctx, in)
	if err != nil {
		return nil, newStepError(stepNameWebIdentity, roleARN, err)
	}
	if out.Credentials == nil {
		return nil, fmt.Errorf("assume role with web identity %s: response has no credentials", roleARN)
	}
	return out, nil
}

func sessionPolicies(scope Scope) (*string, []ststypes.PolicyDescriptorType) {
	var policy *string
	if scope.Policy != "" {
		policy = aws.String(scope.Policy)
	}
	var arns []ststypes.PolicyDescriptorType
	for _, arn := range scope.PolicyARNs {
		arns = append(arns, ststypes.PolicyDescriptorType{Arn: aws.String(arn)})
	}
	return policy, arns
}

// credentials converts an STS answer; the session's account comes from its
// assumed-role ARN, which must be well formed (GetDataAccess is sent to
// that account).
func (c *Chain) credentials(sc *ststypes.Credentials, user *ststypes.AssumedRoleUser) (*cred.Credentials, error) {
	arn := aws.ToString(user.Arn)
	account, err := awsid.AccountFromARN(arn)
	if err != nil {
		return nil, fmt.Errorf("response: %w", err)
	}
	return &cred.Credentials{
		AccessKeyID:     aws.ToString(sc.AccessKeyId),
		SecretAccessKey: aws.ToString(sc.SecretAccessKey),
		SessionToken:    aws.ToString(sc.SessionToken),
		Expiration:      aws.ToTime(sc.Expiration),
		AccountID:       account,
		AssumedRoleARN:  arn,
		MintedAt:        c.now(),
	}, nil
}
