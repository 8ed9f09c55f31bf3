// Package registry holds tip-broker's application registrations: which
// access role, session tag key, JWT claim and JWKS URL an application (a
// caller identified by its normalised IAM role ARN) registered.
//
// Three Store backends share one contract, checked by the conformance suite
// in registrytest: Memory (tests), Bolt (the standalone server's embedded
// file) and DynamoDB (the Lambda deployment and the optional scale-out
// path). Every backend validates an Application before storing it and
// returns ErrNotFound for an absent registration.
package registry

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by Store.Get and Store.Delete when no application
// is registered for the role ARN.
var ErrNotFound = errors.New("application not registered")

// Application is one registration, keyed by the caller's normalised role
// ARN. Its JSON is both the broker API's registration shape and the bbolt
// store's value.
type Application struct {
	// RoleARN is the key: the caller's normalised role ARN,
	// arn:<partition>:iam::<account>:role/<name>. The broker sets it from
	// the caller's signature, never from a request body.
	RoleARN string `json:"RoleArn,omitempty"`
	// AccessRoleName is the role (in the caller's own account) the broker
	// assumes for the application's end users.
	AccessRoleName string `json:"AccessRoleName"`
	// SessionTagKey is the session tag the verified claim is passed as.
	SessionTagKey string `json:"SessionTagKey"`
	// JWTClaimName is the claim whose value becomes the session tag value.
	JWTClaimName string `json:"JWTClaimName"`
	// JWKSetURL is where the application's JWT signing keys are published.
	// Validate checks only that it is an absolute URL; the server applies
	// its scheme policy (https except loopback).
	JWKSetURL string `json:"JWKSetURL"`
	// Issuer is the optional registered "iss" the JWTs must carry.
	Issuer string `json:"Issuer,omitempty"`
	// Audience is the optional registered "aud" the JWTs must carry.
	Audience string `json:"Audience,omitempty"`
	// CreatedAt is when the registration was made; stores return it in UTC.
	CreatedAt time.Time `json:"CreatedAt,omitzero"`
}

// Store persists Applications by RoleARN. Implementations are safe for
// concurrent use.
type Store interface {
	// Put validates and stores app under app.RoleARN; replaced reports
	// whether a registration for that role existed before.
	Put(ctx context.Context, app Application) (replaced bool, err error)
	// Get returns the registration for roleARN or ErrNotFound.
	Get(ctx context.Context, roleARN string) (Application, error)
	// Delete removes the registration for roleARN or returns ErrNotFound.
	Delete(ctx context.Context, roleARN string) error
	// Close releases the store's resources.
	Close() error
}

// normalize returns app as stores hand it back: CreatedAt in UTC without a
// monotonic clock reading.
func normalize(app Application) Application {
	app.CreatedAt = app.CreatedAt.UTC()
	return app
}
