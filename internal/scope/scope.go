// Package scope names the session policies that narrow an identity-enhanced
// session and resolves them from flags and the profile. It is the cache key
// of a session, so tip-cli and the lean credential_process binary must
// compute it identically: it lives here, free of the AWS SDK, for both.
package scope

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/safefile"
)

// maxPolicyFileBytes bounds a --policy file://PATH. AWS takes at most 2,048
// characters of packed session policy; 64 KiB leaves room for whitespace
// and refuses a mistaken path (a log file, /dev/zero) at once.
const maxPolicyFileBytes = 64 << 10

// ReadPolicyFile reads a --policy file://PATH: a regular file (links
// followed) of at most maxPolicyFileBytes, without blocking on a FIFO.
func ReadPolicyFile(path string) ([]byte, error) {
	return safefile.Read(path, maxPolicyFileBytes)
}

// Scope narrows the identity-enhanced session with session policies (#7).
type Scope struct {
	Policy     string
	PolicyARNs []string
}

// Key identifies the scope in the credential cache ("" when unscoped).
func (s Scope) Key() string {
	if s.Policy == "" && len(s.PolicyARNs) == 0 {
		return ""
	}
	return digest(s)
}

// digest names a set of session policies for the cache. The managed
// ARNs are order-sensitive as given; that can only cause an extra refresh.
func digest(s Scope) string {
	h := sha256.New()
	h.Write([]byte(s.Policy))
	for _, a := range s.PolicyARNs {
		h.Write([]byte{0})
		h.Write([]byte(a))
	}
	return "scoped-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// Flags are the --policy and --policy-arn values as given.
type Flags struct {
	// Policy is inline JSON or file://PATH.
	Policy     string
	PolicyARNs []string
}

// Validate checks the ARNs (the document is checked once read, in Resolve).
func (f Flags) Validate() error {
	return config.ValidatePolicyARNs(f.PolicyARNs)
}

// UsageError is a bad --policy value: the command layer reports it as a
// usage error.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Resolve returns the session scope: the flags when given, else the
// profile's session_policy / session_policy_arns defaults. A file:// policy
// is read with readFile (ReadPolicyFile when nil).
func (f Flags) Resolve(prof *config.Profile, readFile func(string) ([]byte, error)) (Scope, error) {
	if f.Policy == "" && len(f.PolicyARNs) == 0 {
		return Scope{Policy: prof.SessionPolicy, PolicyARNs: prof.SessionPolicyARNs}, nil
	}
	doc := f.Policy
	if path, ok := strings.CutPrefix(doc, "file://"); ok {
		if readFile == nil {
			readFile = ReadPolicyFile
		}
		data, err := readFile(path)
		if err != nil {
			return Scope{}, &UsageError{Err: fmt.Errorf("read --policy file: %w", err)}
		}
		doc = string(data)
	}
	if doc != "" {
		if err := config.ValidatePolicyJSON(doc); err != nil {
			return Scope{}, &UsageError{Err: fmt.Errorf("--policy: %w", err)}
		}
	}
	return Scope{Policy: doc, PolicyARNs: f.PolicyARNs}, nil
}
