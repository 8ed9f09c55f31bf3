package awsconfig

import (
	"runtime"
	"strings"
)

// CredentialProcessLine returns the command line to store as a profile's
// credential_process value. botocore splits it without a shell (shlex on
// POSIX, MSVCRT argv rules on Windows) and the Go SDK runs it through
// `sh -c` / `cmd.exe /C`; each word is quoted so that both read back exe
// and args unchanged: on POSIX words with anything but [A-Za-z0-9_@%+:,./-]
// are single-quoted, on Windows words with spaces, tabs or quotes are
// double-quoted.
func CredentialProcessLine(exe string, args ...string) string {
	quote := quotePOSIX
	if runtime.GOOS == "windows" {
		quote = quoteWindows
	}
	words := make([]string, 0, 1+len(args))
	words = append(words, quote(exe))
	for _, a := range args {
		words = append(words, quote(a))
	}
	return strings.Join(words, " ")
}

func posixSafe(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("_@%+:,./-", r)
}

// quotePOSIX quotes s for both shlex.split and sh: single quotes, with an
// embedded ' written as '"'"'. A # or ; right after a space or tab is
// written as '"#"' (outside the single quotes), because the Go SDK's
// config reader cuts a value at " #", " ;", "\t#" and "\t;" whatever the
// quoting, while botocore keeps the whole line.
func quotePOSIX(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool { return !posixSafe(r) }) < 0 {
		return s
	}
	var b strings.Builder
	b.WriteByte('\'')
	prev := rune(0)
	for _, r := range s {
		switch {
		case r == '\'':
			b.WriteString(`'"'"'`)
		case (r == '#' || r == ';') && isLineSpace(prev):
			b.WriteString(`'"` + string(r) + `"'`)
		default:
			b.WriteRune(r)
		}
		prev = r
	}
	b.WriteByte('\'')
	return b.String()
}

// isLineSpace is what the Go SDK's config reader counts as the space
// before an inline comment.
func isLineSpace(r rune) bool { return r == ' ' || r == '\t' }

// quoteWindows quotes s per the MSVCRT rules (CommandLineToArgvW) that
// botocore's Windows splitter implements: backslashes are literal except
// before a quote, where they are doubled, and " becomes \". A # or ; right
// after a space or tab is written outside the quotes ("a "#"b"), and a
// word starting with one is quoted, for the Go SDK's inline-comment cut
// (see quotePOSIX).
func quoteWindows(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\"") && s[0] != '#' && s[0] != ';' {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	slashes := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\':
			slashes++
		case c == '"':
			b.WriteString(strings.Repeat(`\`, slashes+1))
			slashes = 0
		case (c == '#' || c == ';') && i > 0 && isLineSpace(rune(s[i-1])):
			b.WriteString(`"` + string(c) + `"`)
			slashes = 0
			continue
		default:
			slashes = 0
		}
		b.WriteByte(c)
	}
	b.WriteString(strings.Repeat(`\`, slashes))
	b.WriteByte('"')
	return b.String()
}
