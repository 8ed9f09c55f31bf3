package sandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"
)

const (
	awsAlnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	awsAlnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"
	awsSecretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// awsCred is a set of temporary credentials the emulator issued.
type awsCred struct {
	secret, token string
	principal     Principal
}

// awsIdentityContext is an identity context issued by CreateTokenWithIAM.
type awsIdentityContext struct {
	userID string
	exp    time.Time
}

// awsRandom returns n random characters of set (len(set) divides 256).
func awsRandom(set string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = set[int(b[i])%len(set)]
	}
	return string(b)
}

// awsEqual compares secrets in constant time.
func awsEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// issue stores and returns new temporary credentials for p.
func (a *AWS) issue(p Principal) (Principal, *awsCred) {
	p.AccessKeyID = "ASIA" + awsRandom(awsAlnumUpper, 16)
	c := &awsCred{
		secret:    awsRandom(awsSecretSet, 40),
		token:     "IQoJb3JpZ2luX2Vj" + awsRandom(awsSecretSet, 340),
		principal: p,
	}
	a.mu.Lock()
	a.creds[p.AccessKeyID] = c
	a.mu.Unlock()
	return p, c
}

// lookupCred returns a copy of the credentials of an access key id.
func (a *AWS) lookupCred(akid string) (awsCred, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.creds[akid]
	if !ok {
		return awsCred{}, false
	}
	return *c, true
}

// UserID maps an IdP email to its Identity Center user id: AWSOptions.Users
// (case-insensitive) or a deterministic UUID-shaped id derived from the email.
func (a *AWS) UserID(email string) string {
	for k, v := range a.opts.Users {
		if strings.EqualFold(k, email) {
			return v
		}
	}
	h := sha256.Sum256([]byte(strings.ToLower(email)))
	x := hex.EncodeToString(h[:18])
	return "90676d" + x[:4] + "-" + x[4:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:24] + "-" + x[24:36]
}

// awsRoleID returns a stable AROA… unique id for a role ARN.
func awsRoleID(roleARN string) string {
	h := sha256.Sum256([]byte(roleARN))
	return "AROA" + strings.ToUpper(base32.StdEncoding.EncodeToString(h[:])[:17])
}

// newIdentityContext stores a new opaque identity context for userID.
func (a *AWS) newIdentityContext(userID string, exp time.Time) string {
	ctx := "AQoJb3JpZ2luX2Vj" + awsRandom(awsSecretSet, 480)
	a.mu.Lock()
	a.contexts[ctx] = awsIdentityContext{userID: userID, exp: exp}
	a.mu.Unlock()
	return ctx
}

// identityContext resolves an identity context the emulator issued.
func (a *AWS) identityContext(ctx string) (awsIdentityContext, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	c, ok := a.contexts[ctx]
	return c, ok
}

// useAssertion marks a CreateTokenWithIAM assertion as used; false when it
// already was, counted in Counts as "CreateTokenWithIAM:replay".
func (a *AWS) useAssertion(key string, exp time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, used := a.assertions[key]; used {
		a.counts[ReplayRefusedCount]++
		return false
	}
	now := a.now()
	for k, e := range a.assertions {
		if e.Before(now) { // expired assertions fail verification anyway
			delete(a.assertions, k)
		}
	}
	a.assertions[key] = exp
	return true
}

// ReplayRefusedCount is the Counts key of CreateTokenWithIAM calls refused
// because their assertion was already used.
const ReplayRefusedCount = "CreateTokenWithIAM:replay"

// awsISO formats an XML timestamp.
func awsISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
