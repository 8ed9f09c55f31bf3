package exchange

import (
	"errors"
	"fmt"
	"reflect"

	"github.com/aws/smithy-go"
)

// StepName names a chain step (in StepError, traces and diag).
type StepName string

// The chain's steps, in order.
const (
	stepNameWebIdentity StepName = "AssumeRoleWithWebIdentity"
	StepCreateToken     StepName = "CreateTokenWithIAM"
	stepNameAssumeRole  StepName = "AssumeRole"
)

// StepError is a failed chain step with the AWS error code and a hint
// saying what usually causes it.
type StepError struct {
	Step     StepName
	Resource string // the role or application ARN the step used
	Code     string // AWS error code, "" for transport errors
	Message  string
	Err      error
}

func newStepError(step StepName, resource string, err error) *StepError {
	e := &StepError{Step: step, Resource: resource, Err: err}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		e.Code, e.Message = apiErr.ErrorCode(), apiErr.ErrorMessage()
		if e.Message == "" {
			e.Message = oauthDescription(apiErr)
		}
	}
	return e
}

// oauthDescription reads error_description from SSO OIDC's typed errors,
// which carry the OAuth fields instead of a message. Every SSO OIDC error
// type has the same Error_description field, hence reflection rather than
// one errors.As per type.
func oauthDescription(err error) string {
	v := reflect.ValueOf(err)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	f := v.FieldByName("Error_description")
	if !f.IsValid() || f.Kind() != reflect.Pointer || f.IsNil() || f.Elem().Kind() != reflect.String {
		return ""
	}
	return f.Elem().String()
}

func (e *StepError) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("%s (%s) failed: %v", e.Step, e.Resource, e.Err)
	}
	msg := fmt.Sprintf("%s (%s) failed: %s: %s", e.Step, e.Resource, e.Code, e.Message)
	if h := e.Hint(); h != "" {
		msg += " — " + h
	}
	return msg
}

func (e *StepError) Unwrap() error { return e.Err }

// Hint says what to check for this step and error code.
func (e *StepError) Hint() string {
	switch e.Step {
	case stepNameWebIdentity:
		switch e.Code {
		case "InvalidIdentityToken":
			return "check the IAM OIDC provider for the issuer (URL, audience/client id, thumbprint)"
		case "ExpiredTokenException":
			return "the IdP token expired: run `tip-cli auth`"
		case "AccessDenied":
			return "check the OIDC role's trust policy (federated principal and the :aud condition)"
		}
	case stepNameFederatedRole:
		switch e.Code {
		case "InvalidIdentityToken":
			return "check the IAM OIDC provider for the issuer (URL, client id in its audience list); run `tip-cli diag`"
		case "ExpiredTokenException":
			return "the IdP token expired: run `tip-cli auth`"
		case "AccessDenied":
			return "check role_arn's trust policy: the federated principal is the TIP-enabled IAM OIDC provider and the :aud condition is the client id; run `tip-cli diag`"
		case "ValidationError":
			return "duration_seconds may exceed the role's MaxSessionDuration: lower it, or raise the role's maximum (aws iam update-role --max-session-duration)"
		case "PackedPolicyTooLarge":
			return "the session policies and the identity context make the session too large: use fewer or shorter policies"
		}
	case StepCreateToken:
		switch e.Code {
		case "AccessDeniedException":
			return "check the application's IAM authentication method actor policy names the OIDC role, and the OIDC role may call sso-oauth:CreateTokenWithIAM"
		case "InvalidGrantException":
			return "Identity Center refused this IdP token: the trusted token issuer or the application's jwt-bearer grant does not accept it (issuer URL, audience, user attribute mapping), or it was already exchanged once (an IdP issuing tokens without jti); run `tip-cli diag`"
		case "InvalidClientException", "UnauthorizedClientException":
			return "check token_exchange_application_arn is the customer managed application"
		}
	case stepNameAssumeRole:
		switch e.Code {
		case "AccessDenied":
			return "the identity-enhanced role's trust policy must allow the OIDC role sts:AssumeRole and sts:SetContext"
		case "MalformedPolicyDocument":
			return "the session policy is not a valid IAM policy"
		case "PackedPolicyTooLarge":
			return "the session policies are too large: use fewer or shorter policies"
		}
	}
	return ""
}
