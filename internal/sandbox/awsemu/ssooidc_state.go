package awsemu

import (
	"sync"
	"time"
)

// oidcsvcState is the SSO OIDC service's state, under its own lock: the
// identity contexts CreateTokenWithIAM issued (STS AssumeRole reads them)
// and the assertions already used.
type oidcsvcState struct {
	mu         sync.Mutex
	contexts   map[string]awsIdentityContext
	assertions map[string]time.Time
}

// awsIdentityContext is an identity context issued by CreateTokenWithIAM.
type awsIdentityContext struct {
	userID string
	exp    time.Time
}

// newIdentityContext stores a new opaque identity context for userID.
func (a *AWS) newIdentityContext(userID string, exp time.Time) string {
	ctx := "AQoJb3JpZ2luX2Vj" + awsRandom(awsSecretSet, 480)
	a.oidc.mu.Lock()
	a.oidc.contexts[ctx] = awsIdentityContext{userID: userID, exp: exp}
	a.oidc.mu.Unlock()
	return ctx
}

// identityContext resolves an identity context the emulator issued.
func (a *AWS) identityContext(ctx string) (awsIdentityContext, bool) {
	a.oidc.mu.Lock()
	defer a.oidc.mu.Unlock()
	c, ok := a.oidc.contexts[ctx]
	return c, ok
}

// useAssertion marks a CreateTokenWithIAM assertion as used; false when it
// already was, counted in Counts as "CreateTokenWithIAM:replay".
func (a *AWS) useAssertion(key string, exp time.Time) bool {
	if !a.oidc.use(key, exp, a.now()) {
		a.hooks.count(ReplayRefusedCount)
		return false
	}
	return true
}

// use records an assertion key until exp; false when it was recorded.
func (s *oidcsvcState) use(key string, exp, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, used := s.assertions[key]; used {
		return false
	}
	for k, e := range s.assertions {
		if e.Before(now) { // expired assertions fail verification anyway
			delete(s.assertions, k)
		}
	}
	s.assertions[key] = exp
	return true
}

// ReplayRefusedCount is the Counts key of CreateTokenWithIAM calls refused
// because their assertion was already used.
const ReplayRefusedCount = "CreateTokenWithIAM:replay"
