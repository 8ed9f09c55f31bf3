package cfn

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testCert is a generated certificate with its key.
type testCert struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func (c testCert) thumbprint() string {
	sum := sha1.Sum(c.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// newCert issues a certificate signed by parent (self-signed when parent is
// nil); leaf certificates are for 127.0.0.1.
func newCert(t *testing.T, cn string, isCA bool, parent *testCert) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"tip-cli test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true,
		IsCA:                  isCA,
	}
	if isCA {
		tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.ParseIP("127.0.0.1")}
	}
	signer, signerCert := key, tmpl
	if parent != nil {
		signer, signerCert = parent.key, parent.cert
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{cert: cert, key: key}
}

// newIdP starts a TLS server presenting chain (leaf first) that serves a
// discovery document whose jwks_uri points at itself (or at jwksURI when
// set; "-" leaves it out).
func newIdP(t *testing.T, chain []testCert, jwksURI string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // expected handshake failures
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			uri := jwksURI
			if uri == "" {
				uri = srv.URL + "/jwks"
			}
			w.Header().Set("Content-Type", "application/json")
			if uri == "-" {
				fmt.Fprintf(w, `{"issuer":%q}`, srv.URL)
				return
			}
			fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, srv.URL, uri)
		case "/jwks":
			fmt.Fprint(w, `{"keys":[]}`)
		default:
			http.NotFound(w, r)
		}
	})
	var raw [][]byte
	for _, c := range chain {
		raw = append(raw, c.cert.Raw)
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: raw, PrivateKey: chain[0].key}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func pool(certs ...testCert) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c.cert)
	}
	return p
}

func TestDiscoverPicksTopIntermediate(t *testing.T) {
	root := newCert(t, "Test Root CA", true, nil)
	inter := newCert(t, "Test Intermediate CA", true, &root)
	leaf := newCert(t, "127.0.0.1", false, &inter)
	directLeaf := newCert(t, "127.0.0.1", false, &root)

	tests := []struct {
		name     string
		chain    []testCert
		want     testCert
		leafOnly bool
	}{
		{"leaf and intermediate", []testCert{leaf, inter}, inter, false},
		{"leaf, intermediate and root", []testCert{leaf, inter, root}, root, false},
		{"leaf only", []testCert{directLeaf}, directLeaf, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newIdP(t, tt.chain, "")
			tp := &Thumbprinter{RootCAs: pool(root)}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := tp.Discover(ctx, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if got.Thumbprint != tt.want.thumbprint() {
				t.Errorf("thumbprint = %s (%s), want %s (%s); leaf %s, root %s",
					got.Thumbprint, got.Subject, tt.want.thumbprint(), tt.want.cert.Subject,
					leaf.thumbprint(), root.thumbprint())
			}
			if got.LeafOnly != tt.leafOnly {
				t.Errorf("LeafOnly = %v, want %v", got.LeafOnly, tt.leafOnly)
			}
			if got.Subject != tt.want.cert.Subject.String() || got.Issuer != tt.want.cert.Issuer.String() {
				t.Errorf("subject/issuer = %q / %q", got.Subject, got.Issuer)
			}
			if !got.NotAfter.Equal(tt.want.cert.NotAfter) {
				t.Errorf("NotAfter = %v, want %v", got.NotAfter, tt.want.cert.NotAfter)
			}
			if want := strings.TrimPrefix(srv.URL, "https://"); got.Host != want {
				t.Errorf("Host = %q, want %q", got.Host, want)
			}
			if !thumbprintRE.MatchString(got.Thumbprint) {
				t.Errorf("thumbprint %q is not 40 lowercase hex", got.Thumbprint)
			}
		})
	}
}

func TestDiscoverCustomDialSeesSameChain(t *testing.T) {
	root := newCert(t, "Test Root CA", true, nil)
	inter := newCert(t, "Test Intermediate CA", true, &root)
	leaf := newCert(t, "127.0.0.1", false, &inter)
	srv := newIdP(t, []testCert{leaf, inter}, "")
	var dialed string
	tp := &Thumbprinter{
		RootCAs: pool(root),
		Dial: func(ctx context.Context, network, addr string, cfg *tls.Config) (*tls.Conn, error) {
			dialed = addr
			if cfg.InsecureSkipVerify || cfg.RootCAs == nil {
				t.Error("dial config does not verify against RootCAs")
			}
			d := &tls.Dialer{Config: cfg}
			c, err := d.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return c.(*tls.Conn), nil
		},
	}
	got, err := tp.Discover(context.Background(), srv.URL+"/")
	if err != nil {
		t.Fatal(err)
	}
	if dialed != strings.TrimPrefix(srv.URL, "https://") || got.Thumbprint != inter.thumbprint() {
		t.Errorf("dialed %q, thumbprint %s; want intermediate %s", dialed, got.Thumbprint, inter.thumbprint())
	}
}

func TestDiscoverErrors(t *testing.T) {
	root := newCert(t, "Test Root CA", true, nil)
	inter := newCert(t, "Test Intermediate CA", true, &root)
	leaf := newCert(t, "127.0.0.1", false, &inter)
	otherRoot := newCert(t, "Other Root CA", true, nil)

	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	tests := []struct {
		name    string
		issuer  func(t *testing.T) string
		roots   *x509.CertPool
		wantErr string
	}{
		{"unreachable issuer", func(t *testing.T) string { return closedURL }, pool(root), "issuer unreachable"},
		{"non-https issuer", func(t *testing.T) string { return "http://idp.example.com" }, pool(root), "must use https"},
		{"missing jwks_uri", func(t *testing.T) string {
			return newIdP(t, []testCert{leaf, inter}, "-").URL
		}, pool(root), "no jwks_uri"},
		{"http jwks_uri", func(t *testing.T) string {
			return newIdP(t, []testCert{leaf, inter}, "http://127.0.0.1:1/jwks").URL
		}, pool(root), "must use https"},
		{"discovery 404", func(t *testing.T) string {
			return newIdP(t, []testCert{leaf, inter}, "").URL + "/nope"
		}, pool(root), "404"},
		{"untrusted chain", func(t *testing.T) string {
			return newIdP(t, []testCert{leaf, inter}, "").URL
		}, pool(otherRoot), "certificate"},
		{"jwks host verification not skipped", func(t *testing.T) string {
			// The discovery document is trusted; the JWKS host is not.
			other := newCert(t, "127.0.0.1", false, &otherRoot)
			jwks := newIdP(t, []testCert{other}, "")
			return newIdP(t, []testCert{leaf, inter}, jwks.URL+"/jwks").URL
		}, pool(root), "connect to jwks host"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := &Thumbprinter{RootCAs: tt.roots}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := tp.Discover(ctx, tt.issuer(t))
			if err == nil {
				t.Fatalf("Discover() = %+v, want error containing %q", got, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestPickCertificateNonCATail(t *testing.T) {
	root := newCert(t, "Root", true, nil)
	inter := newCert(t, "Inter", true, &root)
	leaf := newCert(t, "Leaf", false, &inter)
	odd := newCert(t, "Not a CA", false, &root)
	tests := []struct {
		name  string
		chain []*x509.Certificate
		want  *x509.Certificate
	}{
		{"non-CA after the CA is skipped", []*x509.Certificate{leaf.cert, inter.cert, odd.cert}, inter.cert},
		{"no CA at all takes the last", []*x509.Certificate{leaf.cert, odd.cert}, odd.cert},
	}
	for _, tt := range tests {
		got, leafOnly := pickCertificate(tt.chain)
		if got != tt.want || leafOnly {
			t.Errorf("%s: got %s leafOnly=%v, want %s", tt.name, got.Subject, leafOnly, tt.want.Subject)
		}
	}
}
