package cmdutil

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/s3ag"
	"github.com/tip-cli/tip-cli/internal/s3ag/dataaccess"
	"github.com/tip-cli/tip-cli/internal/session"
)

// grantSource wires session.Manager.Grant to the S3 Control client for a
// profile; the client is built only when a grant must be fetched.
func (f *Factory) grantSource(p *config.Profile) session.GrantSource {
	return session.GrantSource{
		AccountID: p.AccountID,
		Fetcher: func(context.Context) (session.GrantFetcher, error) {
			return grantFetcher{f: f, region: p.Region}, nil
		},
	}
}

// grantFetcher calls GetDataAccess signed by the session it is given.
type grantFetcher struct {
	f      *Factory
	region string
}

// GetDataAccess implements session.GrantFetcher.
func (g grantFetcher) GetDataAccess(ctx context.Context, sess *cred.Credentials, req s3ag.Request) (*cred.Grant, error) {
	cfg, err := g.f.AWSConfig(ctx, g.region)
	if err != nil {
		return nil, err
	}
	cfg.Credentials = aws.NewCredentialsCache(aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey, SessionToken: sess.SessionToken, CanExpire: true, Expires: sess.Expiration}, nil
	}))
	client := dataaccess.NewClient(cfg, "")
	client.Now = g.f.Now
	grant, err := client.GetDataAccess(ctx, req)
	if err != nil && sess.Origin != nil {
		var api smithy.APIError
		if errors.As(err, &api) {
			return nil, fmt.Errorf("%w — this session comes from tip_mode iam-federation and carries no Identity Center user: S3 Access Grants' directory (user and group) grants need an identity-center profile; grants to IAM principals still apply", err)
		}
	}
	return grant, err
}

// CacheManager wires a session.Manager for cache-only operations (listing,
// clearing) on the selected profile: store and lock, no IdP, no AWS, and no
// profile configuration needed, so a removed profile's cache can still be
// cleared.
func (f *Factory) CacheManager() (*session.Manager, error) {
	st, err := f.Store()
	if err != nil {
		return nil, err
	}
	m := &session.Manager{
		Profile: f.ProfileName,
		Store:   st,
		Lock: func(ctx context.Context, name string) (func(), error) {
			return f.Lock(ctx, name, DefaultLoginTimeout)
		},
		Policy: credproc.DefaultPolicy(),
		Now:    f.Now,
		Log:    f.Logger(),
	}
	// A profile on a shared sign-in is written only under the sign-in's
	// lock; a removed profile has no sign-in to share.
	if p, err := f.Profile(); err == nil {
		if err := f.shareSignIn(m, p); err != nil {
			return nil, err
		}
	}
	return m, nil
}
