package callerauth

import "strings"

// DefaultSTSEndpoints returns the STS endpoints a broker in region accepts
// presigned requests for: the global https://sts.amazonaws.com and the
// regional https://sts.<region>.amazonaws.com in the aws partition, the
// regional endpoint only in aws-us-gov (us-gov-*) and aws-cn (cn-*, domain
// amazonaws.com.cn). An empty or malformed region yields the global
// endpoint only.
func DefaultSTSEndpoints(region string) []string {
	const global = "https://sts.amazonaws.com"
	if !validRegion(region) {
		return []string{global}
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return []string{"https://sts." + region + ".amazonaws.com.cn"}
	case strings.HasPrefix(region, "us-gov-"):
		return []string{"https://sts." + region + ".amazonaws.com"}
	default:
		return []string{global, "https://sts." + region + ".amazonaws.com"}
	}
}

// validRegion accepts region names such as us-east-1 or ap-southeast-4.
func validRegion(r string) bool {
	if r == "" || len(r) > 32 || r[0] == '-' || r[len(r)-1] == '-' {
		return false
	}
	for _, c := range []byte(r) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
