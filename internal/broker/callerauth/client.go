package callerauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

const (
	// headerBrokerID is the extra signed header binding a presigned
	// GetCallerIdentity request to one broker.
	headerBrokerID = "X-Tip-Broker-Id"
	// headerNonce is a second extra signed header holding a random value:
	// without it two requests presigned by one caller in the same second
	// would be byte-identical, and the second would look like a replay.
	headerNonce = "X-Tip-Broker-Nonce"
	// AuthScheme is the Authorization scheme carrying
	// "<base64url(presigned URL)>.<nonce>".
	AuthScheme = "TIP-Broker-STS"

	stsAction       = "GetCallerIdentity"
	stsVersion      = "2011-06-15"
	presignExpires  = "60"
	emptySHA256     = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	maxBrokerIDSize = 256
)

// PresignCallerIdentity presigns `GET <stsEndpoint>/?Action=GetCallerIdentity`
// (SigV4 query signing, X-Amz-Expires=60, signing name "sts") with the extra
// signed headers X-Tip-Broker-Id: brokerID, X-Tip-Broker-Nonce: a fresh
// random nonce, and the headers of bind (the broker request it authorises),
// and returns the Authorization header value
// "TIP-Broker-STS <base64url(presigned URL)>.<nonce>". Nothing is sent.
func PresignCallerIdentity(ctx context.Context, creds aws.CredentialsProvider, stsEndpoint, region, brokerID string,
	bind Binding, now time.Time) (string, error) {
	if err := checkBrokerID(brokerID); err != nil {
		return "", err
	}
	if region == "" {
		return "", errors.New("presign caller identity: region is required")
	}
	base, err := parseEndpoint(stsEndpoint)
	if err != nil {
		return "", fmt.Errorf("presign caller identity: %w", err)
	}
	q := url.Values{"Action": {stsAction}, "Version": {stsVersion}, "X-Amz-Expires": {presignExpires}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("presign caller identity: %w", err)
	}
	nonce, err := newNonce()
	if err != nil {
		return "", fmt.Errorf("presign caller identity: %w", err)
	}
	req.Header.Set(headerBrokerID, brokerID)
	req.Header.Set(headerNonce, nonce)
	bind.set(req.Header)
	c, err := retrieve(ctx, creds)
	if err != nil {
		return "", fmt.Errorf("presign caller identity: %w", err)
	}
	signed, _, err := v4.NewSigner().PresignHTTP(ctx, c, req, emptySHA256, "sts", region, now)
	if err != nil {
		return "", fmt.Errorf("presign caller identity: %w", err)
	}
	return AuthScheme + " " + base64.RawURLEncoding.EncodeToString([]byte(signed)) + "." + nonce, nil
}

// nonceLen is the length of a nonce: 16 random bytes in hex.
const nonceLen = 32

func newNonce() (string, error) {
	var b [nonceLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("read random nonce: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// validNonce accepts exactly what newNonce makes.
func validNonce(n string) bool {
	if len(n) != nonceLen {
		return false
	}
	_, err := hex.DecodeString(n)
	return err == nil && strings.ToLower(n) == n
}

// SignAPIGateway signs req in place with SigV4 for API Gateway's IAM
// authorization (signing name "execute-api"); body must be the exact bytes
// req will send (nil for none).
func SignAPIGateway(ctx context.Context, req *http.Request, body []byte, creds aws.CredentialsProvider, region string, now time.Time) error {
	if region == "" {
		return errors.New("sign api gateway request: region is required")
	}
	c, err := retrieve(ctx, creds)
	if err != nil {
		return fmt.Errorf("sign api gateway request: %w", err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, c, req, hex.EncodeToString(sum[:]), "execute-api", region, now); err != nil {
		return fmt.Errorf("sign api gateway request: %w", err)
	}
	return nil
}

// retrieve fetches credentials from creds.
func retrieve(ctx context.Context, creds aws.CredentialsProvider) (aws.Credentials, error) {
	if creds == nil {
		return aws.Credentials{}, errors.New("no aws credentials")
	}
	c, err := creds.Retrieve(ctx)
	if err != nil {
		return aws.Credentials{}, fmt.Errorf("retrieve aws credentials: %w", err)
	}
	return c, nil
}

// checkBrokerID requires a non-empty printable ASCII broker id.
func checkBrokerID(id string) error {
	if id == "" || len(id) > maxBrokerIDSize {
		return fmt.Errorf("broker id must be 1 to %d characters", maxBrokerIDSize)
	}
	for _, c := range []byte(id) {
		if c < 0x21 || c > 0x7e {
			return errors.New("broker id must be printable ASCII without spaces")
		}
	}
	return nil
}

// parseEndpoint validates an STS endpoint "scheme://host[:port][/]" and
// returns it as "scheme://host[:port]".
func parseEndpoint(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("sts endpoint %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return "", fmt.Errorf("sts endpoint %q: scheme must be https or http", raw)
	case u.Host == "" || u.User != nil || u.Opaque != "":
		return "", fmt.Errorf("sts endpoint %q: want scheme://host[:port]", raw)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "", u.ForceQuery:
		return "", fmt.Errorf("sts endpoint %q: must not have a path, query or fragment", raw)
	}
	return u.Scheme + "://" + strings.ToLower(u.Host), nil
}
