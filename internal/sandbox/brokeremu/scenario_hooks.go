package brokeremu

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// The test hooks of the broker scenario: what a test reads back to check
// the broker's work (an object through the vended credentials, a
// session's tags).

// ReadObject is s3:GetObject of tenant-data/key with creds, signed as the
// AWS CLI would; it returns the HTTP status and body.
func (s *BrokerScenario) ReadObject(ctx context.Context, creds aws.Credentials, key string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AWS.URL()+"/"+BrokerBucket+"/"+key, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("build GetObject: %w", err)
	}
	empty := sha256.Sum256(nil)
	hash := hex.EncodeToString(empty[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	opt := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "s3", s.AWS.Region(), s.AWS.now(), opt); err != nil {
		return 0, nil, fmt.Errorf("sign GetObject: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("GetObject: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// SessionTags returns a copy of the session tags of the credentials with
// accessKeyID (nil when unknown or untagged).
func (a *AWS) SessionTags(accessKeyID string) map[string]string {
	c, ok := a.lookupCred(accessKeyID)
	if !ok || c.principal.Tags == nil {
		return nil
	}
	out := make(map[string]string, len(c.principal.Tags))
	for k, v := range c.principal.Tags {
		out[k] = v
	}
	return out
}
