package app

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/brokeremu"
	"github.com/tip-cli/tip-cli/internal/testkey"
)

// TestServeTLS: with --tls-cert/--tls-key the server speaks HTTPS only, and
// a client that trusts the certificate (SSL_CERT_FILE) gets through to the
// broker's own answer.
func TestServeTLS(t *testing.T) {
	sc, err := brokeremu.StartBrokerScenario(brokeremu.BrokerScenarioOptions{Key: testkey.RSA(t), OtherKey: testkey.Other(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	certFile, keyFile := writeSelfSigned(t)
	url, _, _ := startServe(t, brokerEnv(t, sc, sc.BrokerCredentials(time.Hour)), "--broker-id", "tls.test",
		"--sts-endpoint", sc.AWS.URL(), "--db", filepath.Join(t.TempDir(), "reg.db"), "--tls-cert", certFile, "--tls-key", keyFile)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("serving %s, want https", url)
	}
	app := brokerEnv(t, sc, sc.AppCredentials(time.Hour), "TIP_BROKER_ENDPOINT="+url, "TIP_BROKER_ID=tls.test")
	if r := run(t, append(app, "SSL_CERT_FILE="+certFile), "", "describe"); r.code != 1 || !strings.Contains(r.stderr, "404 NotRegistered") {
		t.Fatalf("describe over TLS: %+v", r)
	}
	if r := run(t, app, "", "describe"); r.code != 1 || !strings.Contains(r.stderr, "certificate") {
		t.Fatalf("untrusted certificate: %+v", r)
	}
}

// writeSelfSigned writes a P-256 certificate for 127.0.0.1 and its key.
func writeSelfSigned(t *testing.T) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tip-broker test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
