package awsemu

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// The test hooks of the AWS emulation: what tests read (Counts, Requests,
// AdminCredentials) and how they steer it (FailNext,
// SetRefuseFederationForContext, IdentityCenter.Update); the hooks only
// awsemu's own tests use are in hooks_test.go. Only tests call
// them: a shipped binary must not link any exported function of a
// *hooks.go file, and TestShippedBinariesLinkNoTestCode (internal/cmd/demo)
// checks the symbols of the built binaries. That holds only while *AWS is
// never converted to an interface (the server takes the method value
// a.ServeHTTP): cobra links text/template, whose reflective method calls
// make the linker keep every exported method of such a type.

// Counts returns how many calls each operation received (failed ones too).
func (a *AWS) Counts() map[string]int {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	out := make(map[string]int, len(a.hooks.counts))
	for k, v := range a.hooks.counts {
		out[k] = v
	}
	return out
}

// Requests returns the recorded requests of op, oldest first.
func (a *AWS) Requests(op string) []Recorded {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	return append([]Recorded(nil), a.hooks.recorded[op]...)
}

// FailNext makes the next call of op (an operation name as in Counts, or a
// full X-Amz-Target) fail with that AWS error in the op's protocol. Calls
// queue up.
func (a *AWS) FailNext(op string, status int, code, message string) {
	a.hooks.mu.Lock()
	defer a.hooks.mu.Unlock()
	a.hooks.failures[op] = append(a.hooks.failures[op], awsFailure{status: status, code: code, message: message})
}

// SetRefuseFederationForContext makes getSigninToken refuse sessions that
// carry a person: identity-enhanced ones and web identity ones with an
// OriginIdentity (TIP for IAM federation).
func (a *AWS) SetRefuseFederationForContext(refuse bool) {
	a.fed.mu.Lock()
	defer a.fed.mu.Unlock()
	a.fed.refuseContext = refuse
}

// Update changes the configuration under the lock.
func (ic *IdentityCenter) Update(fn func(cfg *IdentityCenterConfig)) {
	ic.mu.Lock()
	defer ic.mu.Unlock()
	fn(&ic.cfg)
}

// AdminCredentials issues credentials (valid 12 h) of an administrator
// role allowed to read the Identity Center configuration.
func (ic *IdentityCenter) AdminCredentials() aws.Credentials {
	role := ic.aws.roleARN("tip-sandbox-admin")
	exp := ic.aws.now().Add(12 * time.Hour)
	p, c := ic.aws.issue(Principal{
		RoleARN:        role,
		AssumedRoleARN: ic.aws.assumedRoleARN(role, "admin"),
		SessionName:    "admin",
		Kind:           "admin",
		Expiration:     exp,
	})
	return aws.Credentials{
		AccessKeyID: p.AccessKeyID, SecretAccessKey: c.secret, SessionToken: c.token,
		Source: "sandbox admin", CanExpire: true, Expires: exp,
	}
}
