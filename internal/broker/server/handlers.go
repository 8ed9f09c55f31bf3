package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/broker/callerauth"
	"github.com/tip-cli/tip-cli/internal/broker/jwtauth"
	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// Credentials is the answer of GET /credentials.
type Credentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
}

// registration is the POST /applications body: an Application, whose
// access role may also be named AccessPrincipalRoleName as in the newer
// version of the original sample.
type registration struct {
	registry.Application
	AccessPrincipalRoleName string `json:"AccessPrincipalRoleName"`
}

func (s *Service) register(ctx context.Context, req Request) (int, any, *errorAnswer) {
	var body registration
	if err := decodeStrict(req.Body, &body); err != nil {
		return 0, nil, apiError(http.StatusBadRequest, "InvalidRequest", "invalid registration body: %v", err)
	}
	app := body.Application
	if p := body.AccessPrincipalRoleName; p != "" {
		if app.AccessRoleName != "" && app.AccessRoleName != p {
			return 0, nil, apiError(http.StatusBadRequest, "InvalidRequest", "AccessRoleName and AccessPrincipalRoleName name different roles")
		}
		app.AccessRoleName = p
	}
	if app.RoleARN != "" || !app.CreatedAt.IsZero() {
		return 0, nil, apiError(http.StatusBadRequest, "InvalidRequest", "RoleArn and CreatedAt are set by the broker")
	}
	app.RoleARN, app.CreatedAt = req.Caller.RoleARN, s.now().UTC()
	if err := app.Validate(); err != nil {
		return 0, nil, apiError(http.StatusBadRequest, "InvalidRequest", "%v", err)
	}
	if err := jwtauth.CheckJWKSURL(app.JWKSetURL, s.AllowPrivateJWKS); err != nil {
		return 0, nil, apiError(http.StatusBadRequest, "InvalidRequest", "JWKSetURL: %v", err)
	}
	if apiErr := s.checkBinding(ctx, req, accessRoleARN(req, app), app.SessionTagKey); apiErr != nil {
		return 0, nil, apiErr
	}
	replaced, err := s.Store.Put(ctx, app)
	if err != nil {
		return 0, nil, s.storeError("put", err)
	}
	if replaced {
		return http.StatusOK, app, nil
	}
	return http.StatusCreated, app, nil
}

func (s *Service) describe(ctx context.Context, req Request) (int, any, *errorAnswer) {
	app, err := s.Store.Get(ctx, req.Caller.RoleARN)
	if err != nil {
		return 0, nil, s.storeError("get", err)
	}
	return http.StatusOK, app, nil
}

func (s *Service) deregister(ctx context.Context, req Request) (int, any, *errorAnswer) {
	if err := s.Store.Delete(ctx, req.Caller.RoleARN); err != nil {
		return 0, nil, s.storeError("delete", err)
	}
	return http.StatusNoContent, nil, nil
}

func (s *Service) storeError(op string, err error) *errorAnswer {
	if errors.Is(err, registry.ErrNotFound) {
		return apiError(http.StatusNotFound, "NotRegistered", "the calling role is not registered: POST /applications first")
	}
	if s.Log != nil {
		s.Log.Error("registration store", "op", op, "error", err)
	}
	return apiError(http.StatusBadGateway, "StoreUnavailable", "the registration store is unavailable")
}

func (s *Service) credentials(ctx context.Context, req Request) (int, any, *errorAnswer) {
	token, apiErr := tokenParam(req)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	app, err := s.Store.Get(ctx, req.Caller.RoleARN)
	if err != nil {
		return 0, nil, s.storeError("get", err)
	}
	claims, err := s.Tokens.Verify(ctx, token, jwtauth.Expect{JWKSetURL: app.JWKSetURL, Issuer: app.Issuer, Audience: app.Audience})
	switch {
	case errors.Is(err, jwtauth.ErrInvalidToken):
		return 0, nil, apiError(http.StatusForbidden, "InvalidToken", "%v", err)
	case err != nil:
		// The detail (status, connection error, address) stays in the log:
		// echoed, it would let an application scan the broker's network.
		if s.Log != nil {
			s.Log.Warn("jwks unavailable", "request_id", req.RequestID, "application", req.Caller.RoleARN, "error", err)
		}
		return 0, nil, apiError(http.StatusBadGateway, "JWKSUnavailable",
			"cannot fetch the JWKS at the registered JWKSetURL (request %s; details in the broker log)", req.RequestID)
	}
	value, apiErr := tagValue(claims, app.JWTClaimName)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	out, err := s.STS.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(accessRoleARN(req, app)),
		RoleSessionName: aws.String(sessionName(claims)),
		ExternalId:      aws.String(externalID(req.Caller)),
		DurationSeconds: aws.Int32(int32(s.duration().Seconds())),
		Tags:            []ststypes.Tag{{Key: aws.String(app.SessionTagKey), Value: aws.String(value)}},
	})
	if err != nil {
		return 0, nil, s.stsError(req.RequestID, accessRoleARN(req, app), err)
	}
	c := out.Credentials
	return http.StatusOK, Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), Expiration: aws.ToTime(c.Expiration).UTC().Format(time.RFC3339)}, nil
}

func (s *Service) duration() time.Duration {
	if s.Duration >= 15*time.Minute && s.Duration <= time.Hour {
		return s.Duration
	}
	return time.Hour
}

// accessRoleARN confines the access role to the caller's own account and
// partition: a registration names a role, never an ARN.
func accessRoleARN(req Request, app registry.Application) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", req.Caller.Partition, req.Caller.AccountID, app.AccessRoleName)
}

func tokenParam(req Request) (string, *errorAnswer) {
	values := req.Query["jwt"]
	switch {
	case len(values) == 0 || values[0] == "":
		return "", apiError(http.StatusBadRequest, "InvalidRequest", "missing query parameter jwt")
	case len(values) > 1:
		return "", apiError(http.StatusBadRequest, "InvalidRequest", "query parameter jwt given more than once")
	case len(values[0]) > MaxTokenBytes:
		return "", apiError(http.StatusBadRequest, "InvalidRequest", "jwt is longer than %d bytes", MaxTokenBytes)
	}
	return values[0], nil
}

// tagValue reads the registered claim; it becomes a session tag, so it must
// be a string (or number) STS accepts as a tag value.
func tagValue(claims map[string]any, name string) (string, *errorAnswer) {
	raw, ok := claims[name]
	if !ok {
		return "", apiError(http.StatusForbidden, "InvalidToken", "the token has no %q claim", name)
	}
	var v string
	switch raw := raw.(type) {
	case string:
		v = raw
	case json.Number: // numeric tenant ids keep their exact text
		v = raw.String()
	}
	if v == "" {
		return "", apiError(http.StatusForbidden, "InvalidToken", "claim %q is not a non-empty string or number", name)
	}
	if err := registry.ValidTagValue(v); err != nil {
		return "", apiError(http.StatusForbidden, "InvalidToken", "claim %q cannot be a session tag value: %v", name, err)
	}
	return v, nil
}

var sessionNameInvalid = regexp.MustCompile(`[^\w+=,.@-]`)

// sessionName puts the token's subject in CloudTrail's view of the session
// (sanitised to STS's RoleSessionName alphabet, 64 characters), after
// callerauth.BrokerSessionPrefix, which marks the session as the broker's
// so that it is refused if it ever calls the broker.
func sessionName(claims map[string]any) string {
	sub, _ := claims["sub"].(string)
	name := callerauth.BrokerSessionPrefix + sessionNameInvalid.ReplaceAllString(sub, "-")
	if sub == "" {
		name += "anonymous"
	}
	return name[:min(len(name), 64)]
}

// stsError maps an AssumeRole failure to its answer. A failure that is
// not an STS answer (connection, TLS, timeout) is summarised: the SDK's
// text names the STS endpoint, possibly an internal one, so it goes to
// the log under the request id and the caller gets the id only.
func (s *Service) stsError(requestID, roleARN string, err error) *errorAnswer {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if s.Log != nil {
			s.Log.Error("sts unavailable", "request_id", requestID, "role", roleARN, "error", err)
		}
		return apiError(http.StatusBadGateway, "UpstreamError", "STS AssumeRole failed (request %s; details in the broker log)", requestID)
	}
	switch code := ae.ErrorCode(); {
	case code == "AccessDenied":
		return apiError(http.StatusForbidden, "AssumeRoleDenied",
			"STS refused to assume %s: its trust policy must allow the broker role sts:AssumeRole and sts:TagSession with sts:ExternalId set to the application's role ARN", roleARN)
	case strings.Contains(code, "Throttl"):
		return apiError(http.StatusTooManyRequests, "Throttled", "STS is throttling the broker; retry later")
	case code == "ValidationError", code == "MalformedPolicyDocument", code == "PackedPolicyTooLarge":
		return apiError(http.StatusBadRequest, "InvalidRequest", "STS rejected the request: %s", ae.ErrorMessage())
	case code == "RegionDisabledException":
		return apiError(http.StatusForbidden, "AssumeRoleDenied", "STS is not activated in this region for the caller's account")
	}
	return apiError(http.StatusBadGateway, "UpstreamError", "STS AssumeRole failed: %s", ae.ErrorCode())
}

// decodeStrict decodes exactly one JSON object with only known fields.
func decodeStrict(body []byte, v any) error {
	if len(body) > MaxBodyBytes {
		return fmt.Errorf("body is larger than %d bytes", MaxBodyBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
