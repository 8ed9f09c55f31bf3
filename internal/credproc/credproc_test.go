package credproc

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

var t0 = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

func TestFresh(t *testing.T) {
	p := DefaultPolicy()
	tests := []struct {
		name           string
		now, mint, exp time.Time
		want           bool
	}{
		{"hour left", t0, t0, t0.Add(time.Hour), true},
		{"20 min left of an hour", t0.Add(40 * time.Minute), t0, t0.Add(time.Hour), true},
		{"14 min left of an hour", t0.Add(46 * time.Minute), t0, t0.Add(time.Hour), false},
		{"expired", t0.Add(2 * time.Hour), t0, t0.Add(time.Hour), false},
		{"just minted 15 min session", t0, t0, t0.Add(15 * time.Minute), true},
		{"15 min session past half", t0.Add(8 * time.Minute), t0, t0.Add(15 * time.Minute), false},
		{"within skew of expiry", t0.Add(59*time.Minute + 30*time.Second), t0.Add(59 * time.Minute), t0.Add(time.Hour), false},
		{"unknown mint time, 16 min left", t0, time.Time{}, t0.Add(17 * time.Minute), true},
		// The documented figures: 16 min (margin + skew) for an hour, the
		// first 30 s of a 3-minute session (half its life plus the skew).
		{"16 min 1 s left of an hour", t0.Add(43*time.Minute + 59*time.Second), t0, t0.Add(time.Hour), true},
		{"16 min left of an hour", t0.Add(44 * time.Minute), t0, t0.Add(time.Hour), false},
		{"3 min session at 29 s", t0.Add(29 * time.Second), t0, t0.Add(3 * time.Minute), true},
		{"3 min session at 30 s", t0.Add(30 * time.Second), t0, t0.Add(3 * time.Minute), false},
	}
	for _, tt := range tests {
		if got := p.Fresh(tt.now, tt.mint, tt.exp); got != tt.want {
			t.Errorf("%s: Fresh = %v, want %v", tt.name, got, tt.want)
		}
	}
	if p.FreshCredentials(t0, nil) {
		t.Error("nil credentials are fresh")
	}
}

func TestWriteFormats(t *testing.T) {
	c := &cred.Credentials{AccessKeyID: "ASIAEXAMPLE", SecretAccessKey: "se'cret", SessionToken: "tok/en+=", Expiration: t0, AccountID: "123456789012", AssumedRoleARN: "arn:aws:sts::123456789012:assumed-role/r/s"}
	var out bytes.Buffer
	if err := Write(&out, FormatProcess, c, Extra{}); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["Version"] != float64(1) || doc["Expiration"] != "2030-01-01T12:00:00Z" || doc["AccountId"] != "123456789012" {
		t.Errorf("process doc %v", doc)
	}
	if _, ok := doc["AssumedRoleArn"]; ok {
		t.Error("process output carries extra fields")
	}
	out.Reset()
	if err := Write(&out, FormatEnv, c, Extra{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `export AWS_SECRET_ACCESS_KEY='se'\''cret'`) || !strings.Contains(out.String(), "export AWS_SESSION_TOKEN=tok/en+=\n") {
		t.Errorf("env output %q", out.String())
	}
	out.Reset()
	if err := Write(&out, FormatJSON, c, Extra{Target: "s3://b/p/*"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"MatchedGrantTarget": "s3://b/p/*"`) {
		t.Errorf("json output %s", out.String())
	}
	if err := Write(&out, "xml", c, Extra{}); err == nil {
		t.Error("unknown format accepted")
	}
}

// TestWriteProcessMatchesMarshal: the process document is json.Marshal's,
// byte for byte, whether written by hand (plain strings) or, for strings
// encoding/json escapes, by json.Marshal itself.
func TestWriteProcessMatchesMarshal(t *testing.T) {
	for _, s := range []string{"", "ASIAEXAMPLE", "tok/en+=", "se'cret", `q"uote`, `back\slash`, "<a", "a>", "a&b", "tab\t", "nul\x00", "é", "\u2028", "\xff", "\x7f"} {
		for _, account := range []string{"", "123456789012"} {
			c := &cred.Credentials{AccessKeyID: s, SecretAccessKey: "sk" + s, SessionToken: s + "st", Expiration: t0, AccountID: account}
			var out bytes.Buffer
			if err := Write(&out, FormatProcess, c, Extra{}); err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(processOutput{Version: 1, AccessKeyID: s, SecretAccessKey: "sk" + s, SessionToken: s + "st",
				Expiration: "2030-01-01T12:00:00Z", AccountID: account})
			if err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != string(want)+"\n" {
				t.Errorf("%q: Write = %s, json.Marshal %s", s, got, want)
			}
		}
	}
}

// Ahead's instant is where its stricter policy turns stale, lead before
// the default policy's stale point, for sessions of any length.
func TestAhead(t *testing.T) {
	p := DefaultPolicy()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		life, wantAge time.Duration
	}{
		{12 * time.Hour, 12*time.Hour - 21*time.Minute},
		{time.Hour, 39 * time.Minute},
		{150 * time.Second, 7500 * time.Millisecond},
		{200 * time.Second, 20 * time.Second},
		{60 * time.Second, -30 * time.Second}, // never fresh: due at once
	} {
		exp := t0.Add(tt.life)
		at, strict := p.Ahead(t0, exp)
		if got := at.Sub(t0); got != tt.wantAge {
			t.Errorf("%s session: refresh ahead at age %s, want %s", tt.life, got, tt.wantAge)
		}
		if at.After(p.StaleAt(t0, exp)) && tt.wantAge > 0 {
			t.Errorf("%s session: ahead %s after the stale point %s", tt.life, at, p.StaleAt(t0, exp))
		}
		if tt.wantAge > 0 && (!strict.Fresh(at.Add(-time.Millisecond), t0, exp) || strict.Fresh(at, t0, exp)) {
			t.Errorf("%s session: the stricter policy does not turn stale at %s", tt.life, at)
		}
		if tt.wantAge > 0 && !p.Fresh(at, t0, exp) {
			t.Errorf("%s session: the default policy is already stale at the refresh-ahead point", tt.life)
		}
	}
}
