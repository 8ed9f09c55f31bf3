package server

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
)

// externalID is the sts:ExternalId the broker sends whenever it assumes an
// access role for caller: the application's role ARN
// (arn:<partition>:iam::<account>:role/<name>, path dropped). An access
// role's trust policy requires it (StringEquals sts:ExternalId), so the
// broker cannot be made to assume one application's access role on behalf
// of another (the confused deputy): the other application's requests carry
// the other application's ARN.
func externalID(caller callerauth.Caller) string { return caller.RoleARN }

// probeSessionName names the registration-time probe sessions in CloudTrail.
const probeSessionName = callerauth.BrokerSessionPrefix + "binding-probe"

// probeTagValue is the session tag value of the allowed probe.
const probeTagValue = "tip-broker-binding-probe"

// checkBinding proves, before a registration is stored, that roleARN's
// trust policy binds it to the registering application, with AssumeRole
// probes that need no IAM read permission:
//   - with each ExternalId of deniedProbes it must be denied: otherwise the
//     trust policy does not require sts:ExternalId, or requires a pattern
//     (StringLike) that other applications' role ARNs match too;
//   - with the caller's ExternalId and a session tag (tagKey) it must
//     succeed, or the role belongs to another application, does not trust
//     the broker, or does not grant sts:TagSession (which every
//     credentials request needs).
//
// The allowed probe's credentials are discarded.
func (s *Service) checkBinding(ctx context.Context, req Request, roleARN, tagKey string) *errorAnswer {
	caller := req.Caller
	probe := func(externalID string, tags []ststypes.Tag) error {
		_, err := s.STS.AssumeRole(ctx, &sts.AssumeRoleInput{
			RoleArn:         aws.String(roleARN),
			RoleSessionName: aws.String(probeSessionName),
			ExternalId:      aws.String(externalID),
			DurationSeconds: aws.Int32(900),
			Tags:            tags,
		})
		return err
	}
	for _, id := range deniedProbes(caller) {
		switch err := probe(id, nil); {
		case err == nil:
			return apiError(http.StatusBadRequest, "AccessRoleNotBound",
				"the trust policy of %s lets the broker assume it with sts:ExternalId %q, which is not the application's role ARN, so other applications could use it: "+
					"require exactly StringEquals sts:ExternalId = %q, no wildcard (see the AccessRoleTrustPolicy output)", roleARN, id, externalID(caller))
		case !isAccessDenied(err):
			return s.stsError(req.RequestID, roleARN, err)
		}
	}
	tag := []ststypes.Tag{{Key: aws.String(tagKey), Value: aws.String(probeTagValue)}}
	if err := probe(externalID(caller), tag); err != nil {
		if isAccessDenied(err) {
			return apiError(http.StatusForbidden, "AssumeRoleDenied",
				"STS refused to assume %s with sts:ExternalId %q and a %s session tag: its trust policy must allow the broker role sts:AssumeRole and sts:TagSession on that condition",
				roleARN, externalID(caller), tagKey)
		}
		return s.stsError(req.RequestID, roleARN, err)
	}
	return nil
}

// deniedProbes are ExternalIds the access role must refuse, each random
// so that no trust policy can list it: a plain random string (no
// condition at all), a random role of the caller's account (`role/*`),
// and the caller's role ARN with random text after it (`role/app*`) and
// before its name (`role/*app`).
func deniedProbes(caller callerauth.Caller) []string {
	account := "arn:" + caller.Partition + ":iam::" + caller.AccountID + ":role/"
	return []string{
		"tip-broker-probe-" + rand.Text(),
		account + "tip-broker-probe-" + rand.Text(),
		externalID(caller) + "-" + rand.Text(),
		account + rand.Text() + "-" + caller.RoleName,
	}
}

func isAccessDenied(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "AccessDenied"
}
