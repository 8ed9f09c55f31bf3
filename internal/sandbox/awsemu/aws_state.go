package awsemu

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

const (
	awsAlnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	awsAlnumLower = "abcdefghijklmnopqrstuvwxyz0123456789"
	awsSecretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

// awsCredStore is the credentials registry: every set the emulator issued,
// by access key id.
type awsCredStore struct {
	mu sync.Mutex
	m  map[string]*awsCred
}

// awsCred is a set of temporary credentials the emulator issued.
type awsCred struct {
	secret, token string
	principal     Principal
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
	a.creds.mu.Lock()
	a.creds.m[p.AccessKeyID] = c
	a.creds.mu.Unlock()
	return p, c
}

// lookupCred returns a copy of the credentials of an access key id.
func (a *AWS) lookupCred(akid string) (awsCred, bool) {
	a.creds.mu.Lock()
	defer a.creds.mu.Unlock()
	c, ok := a.creds.m[akid]
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

// awsISO formats an XML timestamp.
func awsISO(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
