// Package loopback is the one predicate tip-cli and tip-broker use to decide
// whether a host names this machine only: the name "localhost" or an IP
// literal in 127.0.0.0/8 or ::1. Anything else, including names such as
// "127.evil.example" that merely start like a loopback address, is not
// loopback: a DNS name other than localhost can resolve anywhere.
package loopback

import (
	"net/netip"
	"strings"
)

// IsHost reports whether host (a URL's Hostname(), without port or
// brackets) is "localhost" (any case) or a loopback IP literal. An IPv6
// zone ("::1%lo0") is not accepted: a zone belongs to link-local
// addressing, never to loopback URLs.
func IsHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || addr.Zone() != "" {
		return false
	}
	return addr.Unmap().IsLoopback()
}
