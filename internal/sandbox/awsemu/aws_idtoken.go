package awsemu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// Classes of web identity token failures, mapped to each API's error code.
var (
	errTokenExpired = errors.New("token is expired")
	errTokenInvalid = errors.New("token is invalid")
	errIdPComm      = errors.New("could not reach the identity provider")
)

// awsWebIdentity holds the verified claims the emulator uses.
type awsWebIdentity struct {
	issuer, subject, audience, email string
	// audiences is the token's aud; claims all its claims.
	audiences []string
	claims    map[string]any
	// replayKey is the jti claim, else the SHA-256 of the raw token.
	replayKey string
	expiry    time.Time
}

// awsTokenVerifier verifies IdP ID tokens the way IAM's OIDC provider does:
// keys from the JWKS of the issuer's discovery document, RS256, iss, exp,
// and aud within the configured client id list.
type awsTokenVerifier struct {
	ctx       context.Context
	issuer    string
	audiences []string
	now       func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

func newAWSTokenVerifier(ctx context.Context, issuer string, audiences []string, now func() time.Time) *awsTokenVerifier {
	client := &http.Client{Timeout: 10 * time.Second}
	return &awsTokenVerifier{
		ctx:       oidc.ClientContext(ctx, client),
		issuer:    issuer,
		audiences: audiences,
		now:       now,
	}
}

// idTokenVerifier discovers the provider on first use and caches it.
func (v *awsTokenVerifier) idTokenVerifier() (*oidc.IDTokenVerifier, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.verifier != nil {
		return v.verifier, nil
	}
	if v.issuer == "" {
		return nil, fmt.Errorf("no OIDC provider configured: %w", errIdPComm)
	}
	ctx, cancel := context.WithTimeout(v.ctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(ctx, v.issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %v: %w", v.issuer, err, errIdPComm)
	}
	v.verifier = p.VerifierContext(v.ctx, &oidc.Config{SkipClientIDCheck: true, Now: v.now})
	return v.verifier, nil
}

// verify checks raw, including that an aud is one of the configured
// audiences, and returns its claims; errors wrap one of the
// awsErrToken*/errIdPComm classes.
func (v *awsTokenVerifier) verify(ctx context.Context, raw string) (awsWebIdentity, error) {
	id, err := v.verifyAnyAudience(ctx, raw)
	if err != nil {
		return id, err
	}
	if id.audience = awsFirstIn(id.audiences, v.audiences); id.audience == "" {
		return awsWebIdentity{}, fmt.Errorf("incorrect token audience: %w", errTokenInvalid)
	}
	return id, nil
}

// awsFirstIn returns the first of auds that accepted contains, "" if none.
func awsFirstIn(auds, accepted []string) string {
	for _, aud := range auds {
		if slices.Contains(accepted, aud) {
			return aud
		}
	}
	return ""
}

// verifyAnyAudience checks signature, iss and exp but leaves the audience to
// the caller (STS checks it against the IAM OIDC provider's ClientIDList).
func (v *awsTokenVerifier) verifyAnyAudience(ctx context.Context, raw string) (awsWebIdentity, error) {
	verifier, err := v.idTokenVerifier()
	if err != nil {
		return awsWebIdentity{}, err
	}
	tok, err := verifier.Verify(ctx, raw)
	var expired *oidc.TokenExpiredError
	switch {
	case errors.As(err, &expired):
		return awsWebIdentity{}, fmt.Errorf("token expired at %s: %w", expired.Expiry.UTC().Format(time.RFC3339), errTokenExpired)
	case err != nil:
		return awsWebIdentity{}, fmt.Errorf("%v: %w", err, errTokenInvalid)
	}
	id := awsWebIdentity{issuer: tok.Issuer, subject: tok.Subject, expiry: tok.Expiry, audiences: tok.Audience}
	if err := tok.Claims(&id.claims); err != nil {
		return awsWebIdentity{}, fmt.Errorf("decode claims: %v: %w", err, errTokenInvalid)
	}
	id.email, _ = id.claims["email"].(string)
	jti, _ := id.claims["jti"].(string)
	id.replayKey = "jti:" + jti
	if jti == "" {
		sum := sha256.Sum256([]byte(raw))
		id.replayKey = "sha256:" + hex.EncodeToString(sum[:])
	}
	return id, nil
}
