package console

import (
	"fmt"
	"net/url"
	"strings"
)

// consoleDomains are the domains under which the partitions' consoles and
// other AWS sign-in destinations live (console.aws.amazon.com,
// us-east-1.console.aws.amazon.com, quicksight.aws.amazon.com,
// console.amazonaws-us-gov.com, console.amazonaws.cn). amazonaws.com is
// left out on purpose: its subdomains serve customer content (S3
// websites), and the login URL must not become an AWS-signed redirect to
// someone else's page.
var consoleDomains = []string{"aws.amazon.com", "amazonaws-us-gov.com", "amazonaws.cn"}

// ValidateDestination checks a console sign-in destination before any AWS
// call: an absolute https URL without user info whose host is, or is under,
// an AWS console domain. The federation endpoint would redirect the
// browser there with a live session, so nothing else is sent.
func ValidateDestination(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("destination %q is not a URL", raw)
	}
	if u.Scheme != "https" || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("destination %q must be an https URL such as https://console.aws.amazon.com/s3/", raw)
	}
	if u.User != nil {
		return fmt.Errorf("destination %q must not carry user info", raw)
	}
	host := strings.ToLower(u.Hostname())
	for _, d := range consoleDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return nil
		}
	}
	return fmt.Errorf("destination %q is not an AWS console address (a host under %s)", raw, strings.Join(consoleDomains, ", "))
}
