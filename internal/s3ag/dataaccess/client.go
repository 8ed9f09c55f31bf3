// Package dataaccess calls S3 Control GetDataAccess, signed by the
// identity-enhanced session. It is the only part of S3 Access Grants that
// needs the AWS SDK; URI parsing, grant-scope matching and the cache lookup
// stay in package s3ag, which the lean credential_process binary links.
package dataaccess

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	"github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/smithy-go"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/s3ag"
)

// Client calls S3 Control GetDataAccess.
type Client struct {
	S3Control *s3control.Client
	// Now stamps MintedAt on new credentials; nil means time.Now.
	Now func() time.Time
}

// NewClient builds a Client from cfg, which must carry the
// identity-enhanced session's credentials and the region.
//
// customEndpoint (resolved by the caller from AWS_ENDPOINT_URL_S3_CONTROL,
// AWS_ENDPOINT_URL or the config file's [services] section) overrides the
// endpoint; when it is empty, a base endpoint from cfg.BaseEndpoint or the
// SDK's own service-specific endpoint resolution is used. Either way a
// custom endpoint is used exactly as given: the S3 Control endpoint rules
// would prefix the account id to its host (123456789012.127.0.0.1 does not
// resolve). The account id still travels in the x-amz-account-id header.
func NewClient(cfg aws.Config, customEndpoint string) *Client {
	s3c := s3control.NewFromConfig(cfg, func(o *s3control.Options) {
		ep := customEndpoint
		if ep == "" && o.BaseEndpoint != nil {
			ep = *o.BaseEndpoint
		}
		if ep != "" {
			o.BaseEndpoint = aws.String(ep)
			o.EndpointResolverV2 = fixedEndpoint{raw: ep}
		}
	})
	return &Client{S3Control: s3c}
}

// fixedEndpoint is an s3control.EndpointResolverV2 that returns one URL
// unchanged, with no account-id host prefix.
type fixedEndpoint struct{ raw string }

// ResolveEndpoint implements s3control.EndpointResolverV2.
func (f fixedEndpoint) ResolveEndpoint(_ context.Context, _ s3control.EndpointParameters) (smithyendpoints.Endpoint, error) {
	u, err := url.Parse(f.raw)
	if err != nil {
		return smithyendpoints.Endpoint{}, fmt.Errorf("invalid S3 Control endpoint %q: %w", f.raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return smithyendpoints.Endpoint{}, fmt.Errorf("invalid S3 Control endpoint %q: must be an http or https URL with a host", f.raw)
	}
	return smithyendpoints.Endpoint{URI: *u}, nil
}

// noGrantError is returned when no S3 Access Grant matches the target for
// the permission (GetDataAccess answered 403 AccessDenied).
type noGrantError struct {
	Target     string
	Permission s3ag.Permission
	// Err is the service error.
	Err error
}

// Error implements error.
func (e *noGrantError) Error() string {
	return fmt.Sprintf("no S3 Access Grant matches %s for %s", e.Target, e.Permission)
}

// Unwrap returns the service error.
func (e *noGrantError) Unwrap() error { return e.Err }

// apiError renders a service error as "<Code>: <message>" and unwraps to it.
type apiError struct{ smithy.APIError }

func (e apiError) Error() string {
	if m := e.ErrorMessage(); m != "" {
		return e.ErrorCode() + ": " + m
	}
	return e.ErrorCode()
}

func (e apiError) Unwrap() error { return e.APIError }

// GetDataAccess validates req locally, then asks S3 Access Grants for
// credentials. The returned grant's Target is the MatchedGrantTarget and
// Requested the requested URI. A 403 AccessDenied becomes *noGrantError.
func (c *Client) GetDataAccess(ctx context.Context, req s3ag.Request) (*cred.Grant, error) {
	req, err := req.Validated()
	if err != nil {
		return nil, err
	}
	target := req.Target.String()
	in := &s3control.GetDataAccessInput{
		AccountId:  aws.String(req.AccountID),
		Target:     aws.String(target),
		Permission: types.Permission(req.Permission),
		Privilege:  types.Privilege(req.Privilege),
		TargetType: types.S3PrefixType(req.TargetType),
	}
	if req.DurationSeconds != 0 {
		in.DurationSeconds = aws.Int32(req.DurationSeconds)
	}
	out, err := c.S3Control.GetDataAccess(ctx, in)
	if err != nil {
		return nil, mapError(err, target, req.Permission)
	}
	creds, err := c.credentials(out, req.AccountID)
	if err != nil {
		return nil, fmt.Errorf("get data access for %s: %w", target, err)
	}
	return &cred.Grant{
		Target:      aws.ToString(out.MatchedGrantTarget),
		Permission:  string(req.Permission),
		Privilege:   string(req.Privilege),
		TargetType:  req.TargetType,
		Requested:   target,
		Credentials: creds,
	}, nil
}

// mapError turns a GetDataAccess failure into noGrantError or an error
// naming the target and the service error code.
func mapError(err error, target string, perm s3ag.Permission) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("get data access for %s: %w", target, err)
	}
	if ae.ErrorCode() == "AccessDenied" {
		return &noGrantError{Target: target, Permission: perm, Err: err}
	}
	return fmt.Errorf("get data access for %s: %w", target, apiError{ae})
}

// credentials checks a GetDataAccess response and converts its credentials.
func (c *Client) credentials(out *s3control.GetDataAccessOutput, account string) (*cred.Credentials, error) {
	if aws.ToString(out.MatchedGrantTarget) == "" {
		return nil, errors.New("response has no MatchedGrantTarget")
	}
	r := out.Credentials
	if r == nil || aws.ToString(r.AccessKeyId) == "" || aws.ToString(r.SecretAccessKey) == "" ||
		aws.ToString(r.SessionToken) == "" || r.Expiration == nil {
		return nil, errors.New("response has incomplete credentials")
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	return &cred.Credentials{
		AccessKeyID:     *r.AccessKeyId,
		SecretAccessKey: *r.SecretAccessKey,
		SessionToken:    *r.SessionToken,
		Expiration:      r.Expiration.UTC(),
		AccountID:       account,
		MintedAt:        now(),
	}, nil
}
