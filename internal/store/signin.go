package store

import "strings"

// signInPrefix starts the store name of a shared sign-in's IdP part. It
// begins with a NUL byte, which no profile name can carry (neither argv
// nor the environment can hold one, and config.Load refuses it), so a
// sign-in's name never collides with a profile's, whatever either is
// called; encodeProfile escapes it like any other byte.
const signInPrefix = "\x00sign-in\x00"

// SignInKey is the name under which the store keeps the IdP part (tokens
// and assertion ledger) of the shared sign-in called name, and under which
// its lock is taken. Each profile on the sign-in keeps its served part
// under its own name, so the warm path is unchanged.
func SignInKey(name string) string { return signInPrefix + name }

// DisplayName is how a store name is shown to users: `sign-in "corp"` for
// a sign-in's key, `profile "dev"` otherwise.
func DisplayName(name string) string {
	if s, ok := strings.CutPrefix(name, signInPrefix); ok {
		return `sign-in "` + s + `"`
	}
	return `profile "` + name + `"`
}

// SignInPart returns the part of b a shared sign-in keeps under its
// SignInKey: everything but the served part (the IdP tokens, the assertion
// ledger and whatever is added next to them).
func (b *Bundle) SignInPart() *Bundle { return b.withoutServed() }

// ServedBundle returns a bundle holding only b's served part: what a
// profile on a shared sign-in keeps under its own name.
func (b *Bundle) ServedBundle() *Bundle {
	return &Bundle{Sessions: b.Sessions, Grants: b.Grants}
}

// JoinSignIn returns the bundle a profile on a shared sign-in works with:
// the IdP part of signIn with the served part of profile (either may be
// nil, read as empty).
func JoinSignIn(signIn, profile *Bundle) *Bundle {
	b := &Bundle{}
	if signIn != nil {
		b = signIn.SignInPart()
	}
	if profile != nil {
		b.Sessions, b.Grants = profile.Sessions, profile.Grants
	}
	return b
}
