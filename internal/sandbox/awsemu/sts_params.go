package awsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	stsContextProvider = "arn:aws:iam::aws:contextProvider/IdentityCenter"
	stsMaxPacked       = 2048
)

// awsAPIError is an operation failure, written in the op's protocol.
type awsAPIError struct {
	status        int
	code, message string
}

func awsErr(status int, code, format string, args ...any) *awsAPIError {
	return &awsAPIError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func stsValidation(format string, args ...any) *awsAPIError {
	return awsErr(http.StatusBadRequest, "ValidationError", format, args...)
}

// stsRequest holds the parameters shared by the AssumeRole* operations.
type stsRequest struct {
	roleARN, session string
	// externalID is ExternalId ("" when absent), validated as STS does.
	externalID string
	duration   time.Duration
	policy     string
	policyARNs []string
	contexts   []map[string]string
	// tags are the session tags in request order; transitive the
	// TransitiveTagKeys (both validated by stsParseTags).
	tags       []stsTag
	transitive []string
}

// stsParseRequest validates the AssumeRole* parameters STS validates before
// authorization; maxDuration caps DurationSeconds (seconds).
func stsParseRequest(form url.Values, maxDuration int, durationHint string) (stsRequest, *awsAPIError) {
	req := stsRequest{roleARN: form.Get("RoleArn"), session: form.Get("RoleSessionName"), policy: form.Get("Policy")}
	if n := len(req.roleARN); n < 20 || n > 2048 {
		return req, stsValidation("1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048")
	}
	if !stsValidSessionName(req.session) {
		return req, stsValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", req.session)
	}
	if _, set := form["ExternalId"]; set {
		req.externalID = form.Get("ExternalId")
		if !stsValidExternalID(req.externalID) {
			return req, stsValidation("1 validation error detected: Value '%s' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]* and have length between 2 and 1224", req.externalID)
		}
	}
	secs := 3600
	if d := form.Get("DurationSeconds"); d != "" {
		v, err := strconv.Atoi(d)
		if err != nil || v < 900 {
			return req, stsValidation("1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", d)
		}
		if v > maxDuration {
			return req, stsValidation("The requested DurationSeconds exceeds the %s", durationHint)
		}
		secs = v
	}
	req.duration = time.Duration(secs) * time.Second
	arns, err := stsMembers(form, "PolicyArns")
	if err != nil {
		return req, err
	}
	if len(arns) > 10 {
		return req, stsValidation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, m := range arns {
		if !stsValidPolicyARN(m["arn"]) {
			return req, stsValidation("invalid policy ARN %q", m["arn"])
		}
		req.policyARNs = append(req.policyARNs, m["arn"])
	}
	if req.contexts, err = stsMembers(form, "ProvidedContexts"); err != nil {
		return req, err
	}
	if req.tags, req.transitive, err = stsParseTags(form); err != nil {
		return req, err
	}
	return req, nil
}

// stsParseContexts validates ProvidedContexts (1–5 items with length rules).
func stsParseContexts(ctxs []map[string]string) *awsAPIError {
	if len(ctxs) > 5 {
		return stsValidation("1 validation error detected: Value at 'providedContexts' failed to satisfy constraint: Member must have length less than or equal to 5")
	}
	for _, c := range ctxs {
		if n := len(c["ProviderArn"]); n < 20 || n > 2048 {
			return stsValidation("1 validation error detected: Value at 'providedContexts.member.providerArn' failed to satisfy constraint: Member must have length between 20 and 2048")
		}
		if n := len(c["ContextAssertion"]); n < 4 || n > 2048 {
			return stsValidation("1 validation error detected: Value at 'providedContexts.member.contextAssertion' failed to satisfy constraint: Member must have length between 4 and 2048")
		}
	}
	return nil
}

// checkPolicies validates the session policies after authorization: the
// inline policy must be a JSON object and inline plus managed ARNs must fit
// the packed size. It returns the PackedPolicySize percentage (0 when none).
func (req stsRequest) checkPolicies() (int, *awsAPIError) {
	size := len(req.policy)
	if req.policy != "" {
		var doc map[string]any
		if err := json.Unmarshal([]byte(req.policy), &doc); err != nil {
			return 0, awsErr(http.StatusBadRequest, "MalformedPolicyDocument", "The policy is not in the valid JSON format.")
		}
	}
	for _, arn := range req.policyARNs {
		size += len(arn)
	}
	if size > stsMaxPacked {
		return 0, awsErr(http.StatusBadRequest, "PackedPolicyTooLarge", "Packed policy consumes %d%% of allotted space, please use smaller policy for session.", size*100/stsMaxPacked)
	}
	return size * 100 / stsMaxPacked, nil
}

// stsMembers parses a list parameter Name.member.N.Field into its items in
// order; indexes must run 1..n without gaps.
func stsMembers(form url.Values, name string) ([]map[string]string, *awsAPIError) {
	items := map[int]map[string]string{}
	for k, v := range form {
		rest, ok := strings.CutPrefix(k, name+".member.")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if !ok || err != nil || n < 1 || n > 1000 {
			return nil, stsValidation("malformed list parameter %q", k)
		}
		if items[n] == nil {
			items[n] = map[string]string{}
		}
		items[n][field] = v[0]
	}
	keys := make([]int, 0, len(items))
	for n := range items {
		keys = append(keys, n)
	}
	sort.Ints(keys)
	out := make([]map[string]string, 0, len(keys))
	for i, n := range keys {
		if n != i+1 {
			return nil, stsValidation("list parameter %s skips member %d", name, i+1)
		}
		out = append(out, items[n])
	}
	return out, nil
}

// stsValidSessionName checks [\w+=,.@-]{2,64}.
func stsValidSessionName(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_+=,.@-", c)
		if !ok {
			return false
		}
	}
	return true
}

// stsValidPolicyARN checks arn:<partition>:iam::<account|aws>:policy/<path>.
func stsValidPolicyARN(arn string) bool {
	if len(arn) < 20 || len(arn) > 2048 {
		return false
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || !strings.HasPrefix(parts[1], "aws") || parts[2] != "iam" || parts[3] != "" {
		return false
	}
	if parts[4] != "aws" && (len(parts[4]) != 12 || strings.Trim(parts[4], "0123456789") != "") {
		return false
	}
	return strings.HasPrefix(parts[5], "policy/") && len(parts[5]) > len("policy/")
}

// stsTag is one session tag of an AssumeRole request.
type stsTag struct{ key, value string }

// stsMaxTags is the STS limit on session tags and transitive tag keys.
const stsMaxTags = 50

// stsParseTags parses and validates Tags.member.N.{Key,Value} and
// TransitiveTagKeys.member.N the way STS does: at most 50 of each, keys of
// 1–128 and values of 0–256 characters from [\p{L}\p{Z}\p{N}_.:/=+\-@],
// no key starting with "aws:", keys unique ignoring case.
func stsParseTags(form url.Values) ([]stsTag, []string, *awsAPIError) {
	members, apiErr := stsMembers(form, "Tags")
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if len(members) > stsMaxTags {
		return nil, nil, stsValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to %d", stsMaxTags)
	}
	tags := make([]stsTag, 0, len(members))
	seen := map[string]bool{}
	for i, m := range members {
		key, hasKey := m["Key"]
		value, hasValue := m["Value"]
		if !hasKey || !hasValue {
			field := map[bool]string{true: "value", false: "key"}[hasKey]
			return nil, nil, stsValidation("1 validation error detected: Value null at 'tags.%d.member.%s' failed to satisfy constraint: Member must not be null", i+1, field)
		}
		if apiErr := stsCheckTagString(key, fmt.Sprintf("tags.%d.member.key", i+1), 1, 128); apiErr != nil {
			return nil, nil, apiErr
		}
		if apiErr := stsCheckTagString(value, fmt.Sprintf("tags.%d.member.value", i+1), 0, 256); apiErr != nil {
			return nil, nil, apiErr
		}
		if len(key) >= 4 && strings.EqualFold(key[:4], "aws:") {
			return nil, nil, stsValidation("1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Tag keys cannot start with the reserved prefix 'aws:'", key, i+1)
		}
		lower := strings.ToLower(key)
		if seen[lower] {
			return nil, nil, stsValidation("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lower] = true
		tags = append(tags, stsTag{key: key, value: value})
	}
	transitive, apiErr := stsScalarMembers(form, "TransitiveTagKeys")
	if apiErr != nil {
		return nil, nil, apiErr
	}
	if len(transitive) > stsMaxTags {
		return nil, nil, stsValidation("1 validation error detected: Value at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to %d", stsMaxTags)
	}
	for i, k := range transitive {
		if apiErr := stsCheckTagString(k, fmt.Sprintf("transitiveTagKeys.%d.member", i+1), 1, 128); apiErr != nil {
			return nil, nil, apiErr
		}
	}
	return tags, transitive, nil
}

// stsCheckTagString checks the length (in characters) and the character set
// [\p{L}\p{Z}\p{N}_.:/=+\-@] of a tag key or value at path.
func stsCheckTagString(s, path string, minLen, maxLen int) *awsAPIError {
	pattern := `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`
	if minLen > 0 {
		pattern = `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < minLen:
		return stsValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length greater than or equal to %d", s, path, minLen)
	case n > maxLen:
		return stsValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must have length less than or equal to %d", s, path, maxLen)
	case !stsValidTagChars(s):
		return stsValidation("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", s, path, pattern)
	}
	return nil
}

// stsValidTagChars reports whether s is valid UTF-8 made only of
// \p{L}, \p{Z}, \p{N} and _.:/=+-@.
func stsValidTagChars(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if !unicode.IsLetter(c) && !unicode.Is(unicode.Z, c) && !unicode.IsNumber(c) && !strings.ContainsRune("_.:/=+-@", c) {
			return false
		}
	}
	return true
}

// stsScalarMembers parses a list of strings Name.member.N in order; indexes
// must run 1..n without gaps.
func stsScalarMembers(form url.Values, name string) ([]string, *awsAPIError) {
	items := map[int]string{}
	for k, v := range form {
		idx, ok := strings.CutPrefix(k, name+".member.")
		if !ok {
			continue
		}
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 || n > 1000 {
			return nil, stsValidation("malformed list parameter %q", k)
		}
		items[n] = v[0]
	}
	out := make([]string, 0, len(items))
	for n := 1; n <= len(items); n++ {
		v, ok := items[n]
		if !ok {
			return nil, stsValidation("list parameter %s skips member %d", name, n)
		}
		out = append(out, v)
	}
	return out, nil
}

// stsValidExternalID is STS's rule for ExternalId: 2–1224 characters of
// [\w+=,.@:/-].
func stsValidExternalID(s string) bool {
	if len(s) < 2 || len(s) > 1224 {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("+=,.@:/-", r)) {
			return false
		}
	}
	return true
}
