package s3ag

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// uriScheme is the only accepted S3 URI scheme.
const uriScheme = "s3://"

// MaxURILength is the longest S3 URI GetDataAccess accepts as a target, in
// characters.
const MaxURILength = 2000

// URI is a parsed S3 URI: s3://Bucket/Key. Key may be empty (the whole
// bucket) and may end in "/" (a prefix) or "*" (a wildcard).
type URI struct {
	Bucket string
	Key    string
}

// String returns the canonical form: s3://bucket when Key is empty,
// s3://bucket/key otherwise.
func (u URI) String() string {
	if u.Key == "" {
		return uriScheme + u.Bucket
	}
	return uriScheme + u.Bucket + "/" + u.Key
}

// ParseURI parses a strict S3 URI. The scheme must be exactly "s3://", the
// bucket must follow the S3 bucket naming rules, the text must be valid
// UTF-8 without control characters and at most MaxURILength characters.
// "s3://b" and "s3://b/" both parse to the whole bucket b.
func ParseURI(s string) (URI, error) {
	if !strings.HasPrefix(s, uriScheme) {
		return URI{}, uriError(s, "must start with s3://")
	}
	if !utf8.ValidString(s) {
		return URI{}, uriError(s, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxURILength {
		return URI{}, uriError(s, fmt.Sprintf("longer than %d characters", MaxURILength))
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return URI{}, uriError(s, "must not contain control characters")
	}
	bucket, key, _ := strings.Cut(s[len(uriScheme):], "/")
	if err := validateBucket(bucket); err != nil {
		return URI{}, uriError(s, err.Error())
	}
	return URI{Bucket: bucket, Key: key}, nil
}

// uriError builds the uniform "invalid S3 URI" error. Long inputs are
// shortened so an error message stays readable.
func uriError(s, why string) error {
	const maxShown = 120
	if len(s) > maxShown {
		s = s[:maxShown] + "..."
	}
	return fmt.Errorf("invalid S3 URI %q: %s", s, why)
}

// validateBucket applies the S3 general purpose bucket naming rules.
func validateBucket(b string) error {
	if b == "" {
		return fmt.Errorf("missing bucket name")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3-63 characters", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !isLowerAlnum(c) && c != '.' && c != '-' {
			return fmt.Errorf("bucket name %q may contain only lowercase letters, digits, dots and hyphens", b)
		}
	}
	if !isLowerAlnum(b[0]) || !isLowerAlnum(b[len(b)-1]) {
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
	}
	if strings.Contains(b, "..") {
		return fmt.Errorf("bucket name %q must not contain two adjacent dots", b)
	}
	if isIPShaped(b) {
		return fmt.Errorf("bucket name %q must not be formatted as an IP address", b)
	}
	return nil
}

func isLowerAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
}

// isIPShaped reports whether b looks like a dotted IPv4 address: four
// dot-separated groups of digits.
func isIPShaped(b string) bool {
	parts := strings.Split(b, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}
