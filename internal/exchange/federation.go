package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/iamoidc"
)

// stepNameFederatedRole is the one step of the IAM federation path.
const stepNameFederatedRole StepName = "AssumeRoleWithWebIdentity (TIP)"

// stepFederatedRole: AssumeRoleWithWebIdentity (unsigned) into the role
// trusted through the TIP-enabled IAM OIDC provider. STS attaches the person
// and says so in TrustedIdentityPropagationContext; without it the session
// does not carry the person and is refused. A first-hop session, so it may
// last up to the role's MaxSessionDuration (12 h), and session policies go
// on this call.
var stepFederatedRole = Step{
	Name:     stepNameFederatedRole,
	CheckID:  CheckFederatedRole,
	Title:    "Live: AssumeRoleWithWebIdentity into the role, carrying you",
	Resource: func(c *Chain) string { return c.RoleARN },
	Run: func(ctx context.Context, c *Chain, s *State) (string, error) {
		in := &sts.AssumeRoleWithWebIdentityInput{
			RoleArn:          aws.String(c.RoleARN),
			RoleSessionName:  aws.String(c.sessionName()),
			WebIdentityToken: aws.String(s.IDToken),
		}
		if c.Duration > 0 {
			in.DurationSeconds = aws.Int32(int32(c.Duration / time.Second))
		}
		in.Policy, in.PolicyArns = sessionPolicies(s.Scope)
		out, err := c.assumeWebIdentity(ctx, in)
		if err != nil {
			return "", err
		}
		origin := originFrom(out)
		if origin == nil {
			return "", &NoContextError{RoleARN: c.RoleARN, Issuer: c.Issuer}
		}
		if out.AssumedRoleUser == nil {
			return "", fmt.Errorf("assume role with web identity %s: response has no assumed role", c.RoleARN)
		}
		creds, err := c.credentials(out.Credentials, out.AssumedRoleUser)
		if err != nil {
			return "", fmt.Errorf("assume role with web identity %s: %w", c.RoleARN, err)
		}
		creds.Origin = origin
		s.Result = creds
		// The detail never names the subject (the SDK marks it sensitive).
		return fmt.Sprintf("%s (a %s of %s)", creds.AssumedRoleARN, origin.SubjectType, origin.Issuer), nil
	},
}

// originFrom reads the person STS attached, or nil when the response
// carries none (or no subject: then it names nobody).
func originFrom(out *sts.AssumeRoleWithWebIdentityOutput) *cred.Origin {
	tc := out.TrustedIdentityPropagationContext
	if tc == nil || tc.OriginIdentity == nil || aws.ToString(tc.OriginIdentity.Subject) == "" {
		return nil
	}
	oi := tc.OriginIdentity
	return &cred.Origin{
		Subject:              aws.ToString(oi.Subject),
		SubjectType:          aws.ToString(oi.SubjectType),
		Issuer:               aws.ToString(oi.Issuer),
		FederatedProviderARN: aws.ToString(oi.FederatedProviderArn),
	}
}

// NoContextError: STS answered AssumeRoleWithWebIdentity without a trusted
// identity propagation context, so the IAM OIDC provider has no context
// provider and the session does not carry the person. It is never handed out.
type NoContextError struct {
	RoleARN string
	Issuer  string
}

func (e *NoContextError) Error() string {
	return fmt.Sprintf("the IAM identity provider for %s has no context provider, so the session for %s would not carry you and was refused: add one with `%s` (docs/setup.md, \"TIP for IAM federation\")",
		e.Issuer, e.RoleARN, iamoidc.ContextProviderCommand(iamoidc.ProviderARN(e.RoleARN, e.Issuer), "email", "user"))
}
