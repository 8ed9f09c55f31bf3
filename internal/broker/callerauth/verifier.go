package callerauth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ErrUnauthenticated is wrapped by every failure the caller caused: a bad
// Authorization header, a disallowed STS host, a stale or replayed
// presigned request, or STS refusing it (HTTP 401).
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrUpstream is wrapped when STS cannot be asked: network errors, 5xx,
// throttling or an answer that cannot be parsed (HTTP 502).
var ErrUpstream = errors.New("sts unavailable")

const (
	// defaultWindow is how old a presigned request may be.
	defaultWindow = 5 * time.Minute
	// DefaultReplayCacheSize bounds the replay cache.
	DefaultReplayCacheSize = 100_000
	// DefaultPerCallerEntries bounds one caller role's share of the
	// replay cache: an entry lives at most 2 minutes (X-Amz-Expires ≤ 60 s
	// plus a minute of skew), so this is 12.5 verified requests/s
	// sustained, above the default per-caller rate of 10/s, and 67 roles
	// in the allowed accounts would be needed to fill the cache.
	DefaultPerCallerEntries = 1_500
	// defaultMaxConcurrentSTS bounds the presigned requests being verified
	// at STS at once, whatever the number of sources.
	defaultMaxConcurrentSTS = 256

	maxFutureSkew   = time.Minute
	maxExpires      = 60
	maxPresignedURL = 4 << 10
	defaultTimeout  = 5 * time.Second
	sigv4Algorithm  = "AWS4-HMAC-SHA256"
	sigv4TimeFormat = "20060102T150405Z"
)

// VerifierOptions configures NewVerifier.
type VerifierOptions struct {
	// BrokerID is this broker's id, sent as X-Tip-Broker-Id to STS; a request
	// presigned for another broker id fails there. Required.
	BrokerID string
	// STSEndpoints are the allowed scheme://host[:port] STS endpoints (see
	// DefaultSTSEndpoints); they are the only URLs ever fetched. Required.
	STSEndpoints []string
	// HTTPClient calls STS (default: 5 s timeout). Redirects are never
	// followed, whatever the client says.
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Window is how old X-Amz-Date may be (default defaultWindow); replay
	// cache entries live that long.
	Window time.Duration
	// ReplayCacheSize bounds the replay cache (default DefaultReplayCacheSize).
	// It holds only signatures STS verified, each for at most Window; when
	// full, new callers get ErrBusy until entries expire.
	ReplayCacheSize int
	// AllowedAccounts, when not empty, are the only AWS accounts whose
	// roles may call; AllowedRoles, when not empty, the only role ARNs
	// (arn:<partition>:iam::<account>:role/<name>). Others fail with
	// ErrNotAllowed after STS has identified them.
	AllowedAccounts, AllowedRoles []string
	// PerCallerEntries bounds the replay cache entries one caller role may
	// hold (default DefaultPerCallerEntries); beyond it ErrCallerQuota.
	PerCallerEntries int
	// MaxConcurrentSTS bounds the verifications in flight at STS (default
	// defaultMaxConcurrentSTS); beyond it callers get ErrBusy at once,
	// without an outbound call.
	MaxConcurrentSTS int
}

// Verifier authenticates callers by their presigned GetCallerIdentity
// request (Authorization: TIP-Broker-STS <base64url(url)>). It is safe for
// concurrent use.
type Verifier struct {
	brokerID  string
	endpoints map[string]string // lower-case scheme://host → configured form
	client    *http.Client
	now       func() time.Time
	window    time.Duration
	replay    *replayCache
	accounts  []string
	roles     []string
	// inFlight holds one token per STS verification in progress.
	inFlight chan struct{}
}

// NewVerifier validates o and returns a Verifier.
func NewVerifier(o VerifierOptions) (*Verifier, error) {
	if err := checkBrokerID(o.BrokerID); err != nil {
		return nil, fmt.Errorf("new caller verifier: %w", err)
	}
	if len(o.STSEndpoints) == 0 {
		return nil, errors.New("new caller verifier: at least one sts endpoint is required")
	}
	endpoints := make(map[string]string, len(o.STSEndpoints))
	for _, e := range o.STSEndpoints {
		base, err := parseEndpoint(e)
		if err != nil {
			return nil, fmt.Errorf("new caller verifier: %w", err)
		}
		endpoints[base] = base
	}
	if o.Window < 0 {
		return nil, errors.New("new caller verifier: window must not be negative")
	}
	if o.Window == 0 {
		o.Window = defaultWindow
	}
	if o.ReplayCacheSize <= 0 {
		o.ReplayCacheSize = DefaultReplayCacheSize
	}
	if o.PerCallerEntries <= 0 {
		o.PerCallerEntries = DefaultPerCallerEntries
	}
	if o.MaxConcurrentSTS <= 0 {
		o.MaxConcurrentSTS = defaultMaxConcurrentSTS
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	client := http.Client{Timeout: defaultTimeout}
	if o.HTTPClient != nil {
		client = *o.HTTPClient
	}
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Verifier{
		brokerID:  o.BrokerID,
		endpoints: endpoints,
		client:    &client,
		now:       o.Now,
		window:    o.Window,
		replay:    newReplayCache(o.ReplayCacheSize, o.PerCallerEntries),
		accounts:  slices.Clone(o.AllowedAccounts),
		roles:     slices.Clone(o.AllowedRoles),
		inFlight:  make(chan struct{}, o.MaxConcurrentSTS),
	}, nil
}

// presigned is a presigned request that passed the local checks.
type presigned struct {
	target    string // allowed endpoint + "/?" + raw query
	nonce     string
	signature string
	// replayUntil is how long the signature must be remembered: until STS
	// itself refuses the request as expired (plus clock skew), or until it
	// falls out of the window, whichever is sooner.
	replayUntil time.Time
}

// ErrNotAllowed is wrapped when the caller's account or role is not on the
// allow-list (HTTP 403).
var ErrNotAllowed = errors.New("caller not allowed")

// Authenticate is AuthenticateAndAdmit without an admission check.
func (v *Verifier) Authenticate(ctx context.Context, authorization string, bind Binding) (Caller, error) {
	return v.AuthenticateAndAdmit(ctx, authorization, bind, nil)
}

// AuthenticateAndAdmit checks the presigned request in authorization
// locally (cheapest first, no network), reserves its signature in the
// replay cache, sends it to STS (at most MaxConcurrentSTS at once) with
// this broker's id and the headers of bind, the request it arrived with,
// and returns the role behind the answer. The signature is remembered
// only once the caller passed everything else: it is a role, not a
// session the broker issued, on the allow-list, admitted by admit (the
// server's per-caller rate limit; nil admits all) and within its share of
// the replay cache. A refused caller's signature takes no slot. Errors
// wrap ErrUnauthenticated, ErrUpstream, ErrBusy, ErrNotAllowed,
// ErrCallerQuota, ErrNotRole, or are admit's own.
func (v *Verifier) AuthenticateAndAdmit(ctx context.Context, authorization string, bind Binding, admit func(Caller) error) (Caller, error) {
	p, err := v.check(authorization, v.now())
	if err != nil {
		return Caller{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	switch err := v.replay.reserve(p.signature, p.replayUntil, v.now()); {
	case errors.Is(err, ErrBusy):
		return Caller{}, err
	case err != nil:
		return Caller{}, fmt.Errorf("%w: %w", ErrUnauthenticated, err)
	}
	c, err := v.verify(ctx, p, bind, admit)
	if err != nil {
		v.replay.release(p.signature)
		return Caller{}, err
	}
	if err := v.replay.confirm(p.signature, c.RoleARN); err != nil {
		return Caller{}, err
	}
	return c, nil
}

// verify asks STS who signed p and applies the checks on the answer.
func (v *Verifier) verify(ctx context.Context, p presigned, bind Binding, admit func(Caller) error) (Caller, error) {
	select {
	case v.inFlight <- struct{}{}:
	default:
		return Caller{}, fmt.Errorf("%w: %d verifications in flight", ErrBusy, cap(v.inFlight))
	}
	arn, err := v.callSTS(ctx, p.target, p.nonce, bind)
	<-v.inFlight
	if err != nil {
		return Caller{}, err
	}
	c, err := CallerFromARN(arn)
	if err != nil {
		return Caller{}, err
	}
	if err := CheckNotBrokerIssued(c); err != nil {
		return Caller{}, err
	}
	if err := v.allowed(c); err != nil {
		return Caller{}, err
	}
	if admit != nil {
		if err := admit(c); err != nil {
			return Caller{}, err
		}
	}
	return c, nil
}

// allowed applies the account and role allow-lists.
func (v *Verifier) allowed(c Caller) error {
	if len(v.accounts) > 0 && !slices.Contains(v.accounts, c.AccountID) {
		return fmt.Errorf("%w: account %s is not allowed to use this broker", ErrNotAllowed, c.AccountID)
	}
	if len(v.roles) > 0 && !slices.Contains(v.roles, c.RoleARN) {
		return fmt.Errorf("%w: role %s is not allowed to use this broker", ErrNotAllowed, c.RoleARN)
	}
	return nil
}

// check runs every local check on the Authorization header value.
func (v *Verifier) check(authorization string, now time.Time) (presigned, error) {
	u, nonce, err := decodeAuthorization(authorization)
	if err != nil {
		return presigned{}, err
	}
	base, ok := v.endpoints[u.Scheme+"://"+strings.ToLower(u.Host)]
	if !ok {
		return presigned{}, fmt.Errorf("sts endpoint %q is not allowed", truncate(u.Scheme+"://"+u.Host))
	}
	if u.Path != "/" || u.RawPath != "" {
		return presigned{}, errors.New("presigned url path must be /")
	}
	q, err := checkQuery(u.RawQuery)
	if err != nil {
		return presigned{}, err
	}
	date, expires, err := v.checkSigning(q, now)
	if err != nil {
		return presigned{}, err
	}
	return presigned{target: base + "/?" + u.RawQuery, nonce: nonce, signature: q.Get("X-Amz-Signature"),
		replayUntil: date.Add(min(expires+maxFutureSkew, v.window))}, nil
}

// decodeAuthorization extracts the presigned URL and the nonce of
// "TIP-Broker-STS <base64url(url)>.<nonce>".
func decodeAuthorization(authorization string) (*url.URL, string, error) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, AuthScheme) {
		return nil, "", fmt.Errorf("authorization scheme must be %s", AuthScheme)
	}
	enc, nonce, ok := strings.Cut(strings.TrimSpace(cred), ".")
	if !ok || !validNonce(nonce) {
		return nil, "", errors.New("authorization credentials must be <base64url(url)>.<nonce>")
	}
	if len(enc) > base64.RawURLEncoding.EncodedLen(maxPresignedURL) {
		return nil, "", fmt.Errorf("presigned url larger than %d bytes", maxPresignedURL)
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, "", errors.New("authorization credentials are not base64url")
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return nil, "", errors.New("malformed presigned url")
	}
	if u.Opaque != "" || u.User != nil || u.Fragment != "" || u.Host == "" {
		return nil, "", errors.New("presigned url must be scheme://host/?query")
	}
	return u, nonce, nil
}

// allowedParam reports whether k may appear in a presigned request query.
func allowedParam(k string) bool {
	switch k {
	case "Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires",
		"X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature":
		return true
	}
	return false
}

// checkQuery parses the query and checks Action, Version and the set of
// parameters (each exactly once).
func checkQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return nil, errors.New("malformed presigned query")
	}
	for k, vs := range q {
		if !allowedParam(k) {
			return nil, fmt.Errorf("unexpected query parameter %q", truncate(k))
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("duplicate query parameter %q", k)
		}
	}
	if q.Get("Action") != stsAction || q.Get("Version") != stsVersion {
		return nil, fmt.Errorf("presigned request must be Action=%s&Version=%s", stsAction, stsVersion)
	}
	return q, nil
}

// checkSigning checks the SigV4 query parameters and freshness and returns
// the signing time and X-Amz-Expires.
func (v *Verifier) checkSigning(q url.Values, now time.Time) (time.Time, time.Duration, error) {
	if q.Get("X-Amz-Algorithm") != sigv4Algorithm {
		return time.Time{}, 0, fmt.Errorf("X-Amz-Algorithm must be %s", sigv4Algorithm)
	}
	signed := strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	for _, h := range signedHeaders() {
		if !slices.Contains(signed, h) {
			return time.Time{}, 0, fmt.Errorf("X-Amz-SignedHeaders must include %s", h)
		}
	}
	raw := q.Get("X-Amz-Date")
	date, err := time.Parse(sigv4TimeFormat, raw)
	if err != nil || len(raw) != len(sigv4TimeFormat) {
		return time.Time{}, 0, errors.New("malformed X-Amz-Date")
	}
	switch {
	case date.Before(now.Add(-v.window)):
		return time.Time{}, 0, fmt.Errorf("presigned request is older than %s", v.window)
	case date.After(now.Add(maxFutureSkew)):
		return time.Time{}, 0, errors.New("presigned request is dated in the future")
	}
	exp := q.Get("X-Amz-Expires")
	n, err := strconv.Atoi(exp)
	if err != nil || n < 1 || n > maxExpires || exp[0] < '1' || exp[0] > '9' {
		return time.Time{}, 0, fmt.Errorf("X-Amz-Expires must be 1 to %d seconds", maxExpires)
	}
	if date.Add(time.Duration(n)*time.Second + maxFutureSkew).Before(now) {
		// STS would refuse it too; asking would only cost a call.
		return time.Time{}, 0, errors.New("presigned request has expired")
	}
	if err := checkCredential(q.Get("X-Amz-Credential"), date); err != nil {
		return time.Time{}, 0, err
	}
	if !isLowerHex(q.Get("X-Amz-Signature"), 64) {
		return time.Time{}, 0, errors.New("malformed X-Amz-Signature")
	}
	return date, time.Duration(n) * time.Second, nil
}

// checkCredential checks "AKID/yyyymmdd/region/sts/aws4_request".
func checkCredential(cred string, date time.Time) error {
	scope := strings.Split(cred, "/")
	if len(scope) != 5 || scope[0] == "" || len(scope[0]) > 128 || scope[1] != date.Format("20060102") ||
		!validRegion(scope[2]) || scope[3] != "sts" || scope[4] != "aws4_request" {
		return errors.New("malformed X-Amz-Credential scope")
	}
	return nil
}

// isLowerHex reports whether s is n lower-case hex digits.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
