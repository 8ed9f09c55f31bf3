package jwtauth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"
)

// errAddressRefused is wrapped when a JWKS host is, or resolves to, an
// address the policy refuses.
var errAddressRefused = errors.New("jwks address not allowed")

// Address ranges a JWKS fetch never reaches, not even with the lab flag:
// cloud metadata services and what no IdP can be (link-local, multicast,
// unspecified, reserved), and prefixes that embed an IPv4 address or lead
// nowhere. Loopback, private (RFC 1918), unique-local (fc00::/7) and shared
// (100.64.0.0/10) addresses are refused too unless the verifier allows
// private networks (labs, the sandbox).
func alwaysRefused() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/8"),
		netip.MustParsePrefix("169.254.0.0/16"),     // link-local: 169.254.169.254 metadata, 169.254.170.2/.23 ECS and EKS
		netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud metadata, inside the lab-allowed 100.64.0.0/10
		netip.MustParsePrefix("168.63.129.16/32"),   // Azure WireServer
		netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
		netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
		netip.MustParsePrefix("224.0.0.0/3"),        // multicast, reserved, broadcast
		netip.MustParsePrefix("::/128"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("ff00::/8"),
		netip.MustParsePrefix("fd00:ec2::/48"), // EC2's IPv6 services: ::254 metadata, ::23 EKS Pod Identity, ::253 DNS
		netip.MustParsePrefix("64:ff9b::/96"),  // NAT64: embeds any IPv4 address
		netip.MustParsePrefix("64:ff9b:1::/48"),
		netip.MustParsePrefix("2002::/16"), // 6to4: embeds any IPv4 address
		netip.MustParsePrefix("2001::/32"), // Teredo: embeds any IPv4 address
		netip.MustParsePrefix("100::/64"),  // discard-only
	}
}

func privateRanges() []netip.Prefix {
	return []netip.Prefix{
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("172.16.0.0/12"),
		netip.MustParsePrefix("192.168.0.0/16"),
		netip.MustParsePrefix("100.64.0.0/10"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("fc00::/7"),
	}
}

// ipv4Compatible is ::/96, the deprecated IPv4-compatible IPv6 form
// (::a.b.c.d); :: and ::1 inside it are judged on their own.
var ipv4Compatible = netip.MustParsePrefix("::/96")

// checkAddr applies the address policy to one IP address exactly as it is
// written (a URL's host, a dial target). netip.Prefix.Contains is false
// for a zoned address and for an IPv4-mapped one against IPv4 prefixes, so
// both forms are refused outright instead of being matched: `[::1%lo]`
// would otherwise pass every rule, and no IdP needs either form.
func checkAddr(a netip.Addr, allowPrivate bool) error {
	switch {
	case a.Zone() != "":
		return fmt.Errorf("%w: %s has a zone", errAddressRefused, a)
	case a.Is4In6():
		return fmt.Errorf("%w: %s is an IPv4-mapped IPv6 address", errAddressRefused, a)
	case ipv4Compatible.Contains(a) && a != netip.IPv6Unspecified() && a != netip.IPv6Loopback():
		return fmt.Errorf("%w: %s is an IPv4-compatible IPv6 address", errAddressRefused, a)
	}
	for _, p := range alwaysRefused() {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is link-local, metadata, multicast or reserved", errAddressRefused, a)
		}
	}
	if allowPrivate {
		return nil
	}
	for _, p := range privateRanges() {
		if p.Contains(a) {
			return fmt.Errorf("%w: %s is loopback or private (allowed only with --insecure-allow-private-jwks)", errAddressRefused, a)
		}
	}
	return nil
}

// LookupFunc resolves a host name to IP addresses (net.Resolver.LookupNetIP).
type LookupFunc func(ctx context.Context, network, host string) ([]netip.Addr, error)

// policyDialer dials JWKS hosts only at addresses the policy allows. It
// resolves the name itself and dials the address it checked, so a DNS
// answer that changes between check and connect (rebinding) cannot slip a
// refused address through.
type policyDialer struct {
	lookup       LookupFunc
	allowPrivate bool
	dialer       net.Dialer
}

func (d *policyDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else if addrs, err = d.lookup(ctx, "ip", host); err != nil {
		return nil, fmt.Errorf("resolve jwks host: %w", err)
	} else {
		// Go's resolver returns A records in their 16-byte, IPv4-mapped
		// form: judge (and dial) the IPv4 address they stand for.
		for i := range addrs {
			addrs[i] = addrs[i].Unmap()
		}
	}
	var last error = fmt.Errorf("resolve jwks host: no address for %q", host)
	for _, a := range addrs {
		if err := checkAddr(a, d.allowPrivate); err != nil {
			return nil, err // one refused address refuses the name: no partial trust
		}
	}
	for _, a := range addrs {
		c, err := d.dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}

// policyClient returns a copy of c (or a default client) whose transport
// dials through the address policy and uses no proxy (a proxy would make
// the dial-time check see the proxy's address, not the JWKS host's).
func policyClient(c *http.Client, lookup LookupFunc, allowPrivate bool) *http.Client {
	if c == nil {
		c = &http.Client{Timeout: defaultHTTPTimeout}
	}
	cp := *c
	var tr *http.Transport
	switch t := c.Transport.(type) {
	case nil:
		tr = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		tr = t.Clone()
	default:
		// A custom RoundTripper (tests) keeps its own dialing.
		return &cp
	}
	if lookup == nil {
		lookup = net.DefaultResolver.LookupNetIP
	}
	d := &policyDialer{lookup: lookup, allowPrivate: allowPrivate, dialer: net.Dialer{Timeout: 5 * time.Second}}
	tr.Proxy, tr.DialContext, tr.DialTLSContext = nil, d.DialContext, nil
	cp.Transport = tr
	return &cp
}
