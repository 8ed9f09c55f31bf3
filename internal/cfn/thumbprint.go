package cfn

import (
	"context"
	"crypto/sha1" // IAM OIDC provider thumbprints are SHA-1 by definition.
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/issuerurl"
)

const (
	discoveryPath     = "/.well-known/openid-configuration"
	maxDiscoveryBytes = 1 << 20
	defaultTimeout    = 15 * time.Second
)

// ThumbprintResult describes the certificate whose thumbprint was taken.
type ThumbprintResult struct {
	// Thumbprint is the SHA-1 of the certificate's DER, lowercase hex.
	Thumbprint string
	// Subject and Issuer are the certificate's distinguished names.
	Subject string
	Issuer  string
	// Host is the host:port of the JWKS endpoint that presented it.
	Host string
	// NotAfter is the certificate's expiry: the thumbprint must be
	// updated in IAM when the IdP rotates this certificate.
	NotAfter time.Time
	// LeafOnly reports that the server presented only its own certificate,
	// so the thumbprint is the leaf's (it changes whenever the leaf is
	// renewed).
	LeafOnly bool
}

// Thumbprinter computes the OIDC provider thumbprint IAM expects: the SHA-1
// of the last CA certificate in the chain the JWKS host presents (the top
// intermediate), as in the IAM guide "Obtain the thumbprint for an OpenID
// Connect identity provider".
type Thumbprinter struct {
	// HTTPClient fetches the discovery document; nil uses a client with a
	// timeout that trusts RootCAs.
	HTTPClient *http.Client
	// Dial opens the TLS connection to the JWKS host; the connection must
	// have completed its handshake. nil uses tls.Dialer.
	Dial func(ctx context.Context, network, addr string, cfg *tls.Config) (*tls.Conn, error)
	// RootCAs verifies the TLS connections; nil uses the system roots.
	RootCAs *x509.CertPool
}

// Discover fetches the issuer's OpenID Connect discovery document, reads
// jwks_uri, connects to that host with verified TLS and returns the
// thumbprint of the last CA certificate the server presented (or of the
// leaf when it presented no other).
func (t *Thumbprinter) Discover(ctx context.Context, issuerURL string) (*ThumbprintResult, error) {
	if err := issuerurl.Validate(issuerURL); err != nil {
		return nil, fmt.Errorf("issuer url: %w", err)
	}
	jwksURI, err := t.jwksURI(ctx, issuerURL)
	if err != nil {
		return nil, err
	}
	addr, serverName, err := jwksAddr(jwksURI)
	if err != nil {
		return nil, err
	}
	chain, err := t.peerCertificates(ctx, addr, serverName)
	if err != nil {
		return nil, fmt.Errorf("connect to jwks host %s: %w", addr, err)
	}
	cert, leafOnly := pickCertificate(chain)
	sum := sha1.Sum(cert.Raw)
	return &ThumbprintResult{
		Thumbprint: hex.EncodeToString(sum[:]),
		Subject:    cert.Subject.String(),
		Issuer:     cert.Issuer.String(),
		Host:       addr,
		NotAfter:   cert.NotAfter,
		LeafOnly:   leafOnly,
	}, nil
}

// jwksURI fetches the discovery document and returns its jwks_uri.
func (t *Thumbprinter) jwksURI(ctx context.Context, issuerURL string) (string, error) {
	docURL := strings.TrimSuffix(issuerURL, "/") + discoveryPath
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, docURL, nil)
	if err != nil {
		return "", fmt.Errorf("fetch discovery document %s: %w", docURL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := t.httpClient().Do(req)
	if err != nil {
		return "", fmt.Errorf("fetch discovery document %s: issuer unreachable: %w", docURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetch discovery document %s: http status %s", docURL, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDiscoveryBytes))
	if err != nil {
		return "", fmt.Errorf("read discovery document %s: %w", docURL, err)
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", fmt.Errorf("parse discovery document %s: %w", docURL, err)
	}
	if doc.JWKSURI == "" {
		return "", fmt.Errorf("discovery document %s has no jwks_uri", docURL)
	}
	return doc.JWKSURI, nil
}

func (t *Thumbprinter) httpClient() *http.Client {
	if t.HTTPClient != nil {
		return t.HTTPClient
	}
	return &http.Client{
		Timeout: defaultTimeout,
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			TLSClientConfig:     &tls.Config{RootCAs: t.RootCAs, MinVersion: tls.VersionTLS12},
			TLSHandshakeTimeout: defaultTimeout,
		},
	}
}

// jwksAddr returns host:port (default 443) and the TLS server name of an
// https jwks_uri.
func jwksAddr(jwksURI string) (addr, serverName string, err error) {
	u, err := url.Parse(jwksURI)
	if err != nil {
		return "", "", fmt.Errorf("jwks_uri %q: %w", jwksURI, err)
	}
	if u.Scheme != "https" {
		return "", "", fmt.Errorf("jwks_uri %q must use https: the thumbprint comes from its tls certificate", jwksURI)
	}
	host := u.Hostname()
	if host == "" {
		return "", "", fmt.Errorf("jwks_uri %q has no host", jwksURI)
	}
	port := u.Port()
	if port == "" {
		port = "443"
	}
	return net.JoinHostPort(host, port), host, nil
}

// peerCertificates performs a verified TLS handshake with addr and returns
// the certificates the server presented, leaf first.
func (t *Thumbprinter) peerCertificates(ctx context.Context, addr, serverName string) ([]*x509.Certificate, error) {
	cfg := &tls.Config{ServerName: serverName, RootCAs: t.RootCAs, MinVersion: tls.VersionTLS12}
	dial := t.Dial
	if dial == nil {
		dial = dialTLS
	}
	conn, err := dial(ctx, "tcp", addr, cfg)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	chain := conn.ConnectionState().PeerCertificates
	if len(chain) == 0 {
		return nil, errors.New("server presented no certificate")
	}
	return chain, nil
}

func dialTLS(ctx context.Context, network, addr string, cfg *tls.Config) (*tls.Conn, error) {
	d := &tls.Dialer{NetDialer: &net.Dialer{Timeout: defaultTimeout}, Config: cfg}
	conn, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	tc, ok := conn.(*tls.Conn)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("dial %s: not a tls connection", addr)
	}
	return tc, nil
}

// pickCertificate returns the last CA certificate after the leaf, else the
// last certificate after the leaf, else the leaf (leafOnly).
func pickCertificate(chain []*x509.Certificate) (cert *x509.Certificate, leafOnly bool) {
	if len(chain) == 1 {
		return chain[0], true
	}
	for i := len(chain) - 1; i >= 1; i-- {
		if chain[i].IsCA {
			return chain[i], false
		}
	}
	return chain[len(chain)-1], false
}
