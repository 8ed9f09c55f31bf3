// Package exchange turns a verified IdP ID token into AWS credentials that
// carry the person (trusted identity propagation). Each way AWS does that
// is a Path: a list of Steps defined once (paths.go). Chain.Exchange runs a
// path; diag walks the same list one step at a time and names the step that
// fails; the session manager asks the path whether any step presents the ID
// token as a single-use assertion, and guards exactly those with its ledger.
//
// A third mode or a new step is one new list or one new Step value: nothing
// else names the steps in order.
package exchange

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/scope"
)

// Scope narrows the minted session with session policies (#7). It lives in
// the SDK-free package scope so the lean credential_process binary computes
// the same cache key; the alias keeps exchange.Scope valid.
type Scope = scope.Scope

// Chain holds what a path's steps need. AWS must carry the region, HTTP
// client and endpoint configuration; its credentials are never used: the
// first step is unsigned and later steps are signed by the session the
// first one minted, so ambient AWS credentials cannot leak into the chain.
type Chain struct {
	AWS  aws.Config
	Path Path
	// Identity Center mode (IdentityCenterPath).
	OIDCRoleARN       string
	IDEnhancedRoleARN string
	ApplicationARN    string
	// IAM federation mode (iamFederationPath): the role trusted through the
	// TIP-enabled IAM OIDC provider.
	RoleARN string
	// Issuer is the IdP's issuer URL (errors name its IAM provider).
	Issuer string
	// PlainRoleARN is the role ConsolePath assumes without identity context.
	PlainRoleARN string
	// ChainID is config.Profile.ChainID, stamped on every minted session.
	ChainID string
	// SessionName names the first-hop session (default "tip-cli").
	SessionName string
	// Duration of the final session; 0 lets STS choose (1 h).
	Duration time.Duration
	Now      func() time.Time
	// Trace, when set, is told about each step as it completes (err == nil)
	// or fails; `demo` and `--debug` narrate the chain with it. It never
	// receives a token, a secret or the person's subject.
	Trace func(step StepName, detail string, err error)
}

// State is what the steps of one walk hand each other.
type State struct {
	IDToken string
	Scope   Scope
	// First is the first-hop session that signs the later steps.
	First aws.Credentials
	// Identity is CreateTokenWithIAM's answer (Identity Center mode).
	Identity *Identity
	// Result is the session the path hands out, set by its last step.
	Result *cred.Credentials
}

// Step is one AWS call of a path.
type Step struct {
	Name StepName
	// CheckID and Title name the step's live check in diag.
	CheckID string
	Title   string
	// SingleUse: the step presents the ID token as an assertion the service
	// accepts once (CreateTokenWithIAM). Its client never retries, and the
	// session manager records the token in its ledger before the walk.
	SingleUse bool
	// Resource is the role or application the step uses (errors, traces).
	Resource func(c *Chain) string
	// Run does the call and returns a detail for traces and diag (an ARN or
	// a user id, never a token).
	Run func(ctx context.Context, c *Chain, s *State) (detail string, err error)
}

// Path is one way of carrying a person into AWS: its steps, in order. The
// last step sets State.Result.
type Path struct {
	Mode  string
	Steps []Step
}

// SingleUse reports whether any step presents a single-use assertion.
func (p Path) SingleUse() bool {
	for _, s := range p.Steps {
		if s.SingleUse {
			return true
		}
	}
	return false
}

// Identity is what CreateTokenWithIAM tells about the user.
type Identity struct {
	// UserID is the Identity Center user id (the idToken's sub).
	UserID string
	// Context is the identity context assertion for sts:SetContext.
	Context string
	// Claims are the idToken's claims (unverified: they come straight from
	// the signed AWS response and are used for display and naming only).
	Claims map[string]any
}

// Exchange runs the whole path with a fresh IdP ID token.
func (c *Chain) Exchange(ctx context.Context, idToken string, scope Scope) (*cred.Credentials, error) {
	return c.Walk(ctx, idToken, scope, nil)
}

// SingleUse reports whether the chain's path presents a single-use assertion.
func (c *Chain) SingleUse() bool { return c.Path.SingleUse() }

// Walk runs the path's steps in order, telling report (when set) about each
// step as it completes or fails; it stops at the first failure.
func (c *Chain) Walk(ctx context.Context, idToken string, scope Scope, report func(Step, *State, string, error)) (*cred.Credentials, error) {
	if len(c.Path.Steps) == 0 {
		return nil, fmt.Errorf("internal error: the %q chain has no steps", c.Path.Mode)
	}
	s := &State{IDToken: idToken, Scope: scope}
	for _, step := range c.Path.Steps {
		detail, err := step.Run(ctx, c, s)
		if err != nil && detail == "" {
			detail = step.Resource(c)
		}
		c.trace(step.Name, detail, err)
		if report != nil {
			report(step, s, detail, err)
		}
		if err != nil {
			return nil, err
		}
	}
	if s.Result == nil {
		return nil, fmt.Errorf("internal error: the %q chain minted no session", c.Path.Mode)
	}
	s.Result.Chain = c.ChainID
	return s.Result, nil
}

func (c *Chain) trace(step StepName, detail string, err error) {
	if c.Trace != nil {
		c.Trace(step, detail, err)
	}
}

func (c *Chain) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Chain) sessionName() string {
	if c.SessionName == "" {
		return "tip-cli"
	}
	return c.SessionName
}

func staticProvider(creds aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return creds, nil }
}
