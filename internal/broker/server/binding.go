package server

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// ExternalID is the sts:ExternalId the broker sends whenever it assumes an
// access role for caller: the application's role ARN
// (arn:<partition>:iam::<account>:role/<name>, path dropped). An access
// role's trust policy requires it (StringEquals sts:ExternalId), so the
// broker cannot be made to assume one application's access role on behalf
// of another (the confused deputy): the other application's requests carry
// the other application's ARN.
func ExternalID(caller callerauth.Caller) string { return caller.RoleARN }

// probeSessionName names the registration-time probe sessions in CloudTrail.
const probeSessionName = callerauth.BrokerSessionPrefix + "binding-probe"

// checkBinding proves, before a registration is stored, that roleARN's
// trust policy binds it to the registering application. Two untagged
// AssumeRole probes, which need no IAM read permission:
//   - with a random ExternalId it must be denied, or the trust policy does
//     not require sts:ExternalId and any application could use the role;
//   - with the caller's ExternalId it must succeed, or the role belongs to
//     another application (or does not trust the broker).
//
// The second probe's credentials are discarded.
func (s *Service) checkBinding(ctx context.Context, caller callerauth.Caller, roleARN string) *APIError {
	probe := func(externalID string) error {
		_, err := s.STS.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:         aws.String(roleARN),
			RoleSessionName: aws.String(probeSessionName),
			ExternalId:      aws.String(externalID),
			DurationSeconds: aws.Int32(900),
		})
		return err
	}
	err := probe("tip-broker-probe-" + rand.Text())
	switch {
	case err == nil:
		return apiError(http.StatusBadRequest, "AccessRoleNotBound",
			"the trust policy of %s lets the broker assume it without sts:ExternalId, so any application could use it: "+
				"add the condition StringEquals sts:ExternalId = %q (see the AccessRoleTrustPolicy output)", roleARN, ExternalID(caller))
	case !isAccessDenied(err):
		return s.stsError(roleARN, err)
	}
	if err := probe(ExternalID(caller)); err != nil {
		if isAccessDenied(err) {
			return apiError(http.StatusForbidden, "AssumeRoleDenied",
				"STS refused to assume %s with sts:ExternalId %q: its trust policy must allow the broker role sts:AssumeRole and sts:TagSession on that condition",
				roleARN, ExternalID(caller))
		}
		return s.stsError(roleARN, err)
	}
	return nil
}

func isAccessDenied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied"
}
