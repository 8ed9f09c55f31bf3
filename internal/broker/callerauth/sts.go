package callerauth

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxSTSAnswer bounds the STS answer read.
const maxSTSAnswer = 64 << 10

// stsAnswer is the part of a GetCallerIdentityResponse or an ErrorResponse
// the verifier reads.
type stsAnswer struct {
	XMLName xml.Name
	Arn     string `xml:"GetCallerIdentityResult>Arn"`
	Code    string `xml:"Error>Code"`
}

// callSTS sends the presigned request to STS with this broker's id and
// returns the caller ARN STS reported. The nonce header is the caller's, as
// signed; the broker id and binding headers are this broker's own view.
func (v *Verifier) callSTS(ctx context.Context, target, nonce string, bind Binding) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return "", fmt.Errorf("%w: build sts request: %w", ErrUpstream, stripURL(err))
	}
	req.Header.Set(headerBrokerID, v.brokerID)
	req.Header.Set(headerNonce, nonce)
	bind.set(req.Header)
	resp, err := v.client.Do(req)
	if err != nil {
		return "", fmt.Errorf("%w: call sts: %w", ErrUpstream, stripURL(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSTSAnswer))
	if err != nil {
		return "", fmt.Errorf("%w: read sts answer: %w", ErrUpstream, err)
	}
	var ans stsAnswer
	parseErr := xml.Unmarshal(body, &ans)
	switch {
	case resp.StatusCode == http.StatusOK:
		if parseErr != nil || ans.XMLName.Local != "GetCallerIdentityResponse" || ans.Arn == "" {
			return "", fmt.Errorf("%w: unparsable GetCallerIdentity answer", ErrUpstream)
		}
		return ans.Arn, nil
	case resp.StatusCode >= 400 && resp.StatusCode < 500 && !throttled(ans.Code, resp.StatusCode):
		return "", fmt.Errorf("%w: sts refused the presigned request: %d %s", ErrUnauthenticated, resp.StatusCode, safeCode(ans.Code))
	default:
		return "", fmt.Errorf("%w: sts answered %d %s", ErrUpstream, resp.StatusCode, safeCode(ans.Code))
	}
}

// throttled reports STS throttling answers (a 400 "Throttling" in awsQuery).
func throttled(code string, status int) bool {
	switch code {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException":
		return true
	}
	return status == http.StatusTooManyRequests
}

// safeCode returns code if it looks like an AWS error code, else "".
func safeCode(code string) string {
	if len(code) > 64 {
		return ""
	}
	for _, c := range []byte(code) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.') {
			return ""
		}
	}
	return code
}

// stripURL drops the request URL (it carries the session token and
// signature) from a transport error.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
