// Package issuerurl is the one rule for an OpenID provider's issuer URL
// (OpenID Connect Discovery §3, with plain http only on loopback). tip-cli's
// profiles (config) and both CloudFormation templates (cfn, which tip-broker
// links) check issuers with it; standard library and loopback only.
package issuerurl

import (
	"fmt"
	"net/url"

	"github.com/tip-cli/tip-cli/internal/loopback"
)

// Validate accepts absolute https URLs, and http only for loopback hosts
// (local test providers); no query or fragment.
func Validate(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%q must not have a query or fragment", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if loopback.IsHost(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q must use https (plain http is allowed only on loopback)", raw)
	}
	return fmt.Errorf("%q must use https", raw)
}
