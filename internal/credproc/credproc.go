// Package credproc renders credentials for their consumers (the AWS
// credential_process v1 JSON, shell exports, detailed JSON) and decides when
// cached credentials are still good enough to serve.
package credproc

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

// Output formats of credential commands.
const (
	FormatProcess = "process"
	FormatEnv     = "env"
	FormatJSON    = "json"
)

// Formats lists the accepted --format values.
var Formats = []string{FormatProcess, FormatEnv, FormatJSON}

// ValidateFormat rejects unknown --format values before any work is done.
func ValidateFormat(f string) error {
	for _, ok := range Formats {
		if f == ok {
			return nil
		}
	}
	return fmt.Errorf("invalid format %q: want one of %s", f, strings.Join(Formats, ", "))
}

// processOutput is the credential_process v1 document.
type processOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken"`
	Expiration      string `json:"Expiration"`
	AccountID       string `json:"AccountId,omitempty"`
}

// detailOutput is --format json: the process fields plus where they came from.
type detailOutput struct {
	processOutput
	AssumedRoleARN string  `json:"AssumedRoleArn,omitempty"`
	Identity       string  `json:"IdentityCenterUserId,omitempty"`
	Origin         *origin `json:"OriginIdentity,omitempty"`
	Target         string  `json:"MatchedGrantTarget,omitempty"`
}

// origin is the person an IAM-federation session carries, named as STS's
// OriginIdentity names it.
type origin struct {
	Subject              string `json:"Subject"`
	SubjectType          string `json:"SubjectType"`
	Issuer               string `json:"Issuer"`
	FederatedProviderArn string `json:"FederatedProviderArn"`
}

// Extra is optional context for --format json.
type Extra struct {
	Target string // S3 Access Grants matched target
}

// Write renders c in format with a single write, so a consumer never sees
// a partial document.
func Write(w io.Writer, format string, c *cred.Credentials, extra Extra) error {
	p := processOutput{
		Version:         1,
		AccessKeyID:     c.AccessKeyID,
		SecretAccessKey: c.SecretAccessKey,
		SessionToken:    c.SessionToken,
		Expiration:      c.Expiration.UTC().Format(time.RFC3339),
		AccountID:       c.AccountID,
	}
	var out []byte
	var err error
	switch format {
	case FormatProcess, "":
		var ok bool
		if out, ok = p.appendPlain(nil); !ok {
			out, err = json.Marshal(p)
		}
		out = append(out, '\n')
	case FormatJSON:
		d := detailOutput{processOutput: p, AssumedRoleARN: c.AssumedRoleARN, Identity: c.Identity, Target: extra.Target}
		if o := c.Origin; o != nil {
			d.Origin = &origin{Subject: o.Subject, SubjectType: o.SubjectType, Issuer: o.Issuer, FederatedProviderArn: o.FederatedProviderARN}
		}
		out, err = json.MarshalIndent(d, "", "  ")
		out = append(out, '\n')
	case FormatEnv:
		out = []byte(envExports(c))
	default:
		return ValidateFormat(format)
	}
	if err != nil {
		return fmt.Errorf("encode credentials: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// appendPlain appends the document json.Marshal writes for p when every
// string in it is plain (see appendPlainString), else returns ok=false.
// It saves encoding/json's first-use reflection, which is a large part of
// a fresh credential_process call's own work (issue #23).
// TestWriteProcessMatchesMarshal keeps the two equal.
func (p processOutput) appendPlain(b []byte) (out []byte, ok bool) {
	b = append(b, `{"Version":`...)
	b = strconv.AppendInt(b, int64(p.Version), 10)
	fields := [...]struct {
		key, value string
		omitEmpty  bool
	}{
		{"AccessKeyId", p.AccessKeyID, false},
		{"SecretAccessKey", p.SecretAccessKey, false},
		{"SessionToken", p.SessionToken, false},
		{"Expiration", p.Expiration, false},
		{"AccountId", p.AccountID, true},
	}
	for _, f := range fields {
		if f.omitEmpty && f.value == "" {
			continue
		}
		b = append(b, `,"`...)
		b = append(b, f.key...)
		b = append(b, `":"`...)
		if b, ok = appendPlainString(b, f.value); !ok {
			return nil, false
		}
		b = append(b, '"')
	}
	return append(b, '}'), true
}

// appendPlainString appends s if encoding/json writes it unchanged between
// quotes: printable ASCII other than '"', backslash and the HTML characters
// '<', '>', '&' it escapes. Credentials and timestamps always are.
func appendPlainString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return nil, false
		}
	}
	return append(b, s...), true
}

// envExports renders POSIX shell exports.
func envExports(c *cred.Credentials) string {
	var b strings.Builder
	for _, kv := range EnvVars(c) {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	return b.String()
}

// EnvVars are the variables an AWS SDK reads for these credentials.
func EnvVars(c *cred.Credentials) [][2]string {
	return [][2]string{
		{"AWS_ACCESS_KEY_ID", c.AccessKeyID},
		{"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey},
		{"AWS_SESSION_TOKEN", c.SessionToken},
		{"AWS_CREDENTIAL_EXPIRATION", c.Expiration.UTC().Format(time.RFC3339)},
	}
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r == '/' || r == '+' || r == '=' || r == '-' || r == '_' || r == '.' || r == ':' ||
			(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
