package diag

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
)

// unsigned builds a compact JWS with a fake signature (diag decodes without verifying).
func unsigned(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	return enc(header) + "." + enc(claims) + "." + base64.RawURLEncoding.EncodeToString([]byte("sig"))
}

func TestDecodeJWT(t *testing.T) {
	hdr := map[string]any{"alg": "RS256", "kid": "k1"}
	good := unsigned(t, hdr, map[string]any{"iss": "https://idp", "aud": []string{"a", "b"}, "exp": 1893456000, "custom": map[string]any{"id": "e-1"}})
	tests := []struct {
		name, raw, wantErr string
	}{
		{"good", good, ""},
		{"good with spaces", "  " + good + "\n", ""},
		{"not a jwt", "hello", "3 dot-separated parts"},
		{"two parts", "a.b", "3 dot-separated parts"},
		{"bad base64 header", "!!.e30.c2ln", "header: not base64url"},
		{"header not object", base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".e30.c2ln", "header: not a JSON object"},
		{"no alg", unsigned(t, map[string]any{"kid": "x"}, map[string]any{}), "header has no alg"},
		{"payload not json", strings.Split(good, ".")[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("nope")) + ".c2ln", "payload: not a JSON object"},
		{"trailing data", strings.Split(good, ".")[0] + "." + base64.RawURLEncoding.EncodeToString([]byte("{} {}")) + ".c2ln", "trailing data"},
		{"bad signature encoding", strings.Join(strings.Split(good, ".")[:2], ".") + ".***", "signature is not base64url"},
		{"too big", strings.Repeat("a", maxJWTSize+1), "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := DecodeJWT(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.HeaderString("kid") != "k1" || tok.String("iss") != "https://idp" || strings.Join(tok.Audience(), ",") != "a,b" {
				t.Errorf("decoded %+v", tok)
			}
			if exp, ok := tok.Time("exp"); !ok || !exp.Equal(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("exp = %v %v", exp, ok)
			}
			if v, ok := tok.Claim("custom.id"); !ok || v != "e-1" {
				t.Errorf("custom.id = %q %v", v, ok)
			}
			if _, ok := tok.Claim("custom.missing"); ok {
				t.Error("missing nested claim found")
			}
			if s := tok.Summary(); s["exp"] != "2030-01-01T00:00:00Z" || s["kid"] != "k1" {
				t.Errorf("summary = %v", s)
			}
		})
	}
}

func TestJWTTimeRejectsNonsense(t *testing.T) {
	for _, v := range []any{"1700000000", -5, 1e300, true} {
		raw := unsigned(t, map[string]any{"alg": "none"}, map[string]any{"exp": v})
		tok, err := DecodeJWT(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := tok.Time("exp"); ok {
			t.Errorf("exp %v accepted", v)
		}
	}
}

func FuzzDecodeJWT(f *testing.F) {
	f.Add(unsigned(f, map[string]any{"alg": "RS256"}, map[string]any{"iss": "x", "aud": "y", "exp": 1}))
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("....")
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := DecodeJWT(raw)
		if err != nil {
			return
		}
		if tok.Header == nil || tok.Claims == nil || tok.HeaderString("alg") == "" {
			t.Fatalf("decoded without header/claims: %+v", tok)
		}
		_ = tok.Summary()
		_ = tok.Audience()
		_, _ = tok.Claim("a.b.c")
		checkToken(Token{JWT: tok}, &config.Profile{Provider: config.ProviderOIDC, IssuerURL: "https://idp", ClientID: "c"}, time.Unix(1700000000, 0))
	})
}

func TestCheckToken(t *testing.T) {
	now := time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)
	prof := &config.Profile{Provider: config.ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "client-1"}
	base := func(mut func(c map[string]any)) *JWT {
		c := map[string]any{"iss": "https://idp.example.com", "aud": "client-1", "iat": now.Add(-time.Minute).Unix(), "exp": now.Add(time.Hour).Unix(), "email": "a@x"}
		if mut != nil {
			mut(c)
		}
		tok, err := DecodeJWT(unsigned(t, map[string]any{"alg": "RS256"}, c))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	tests := []struct {
		name string
		tok  Token
		prof *config.Profile
		want map[string]Status
	}{
		{"good", Token{JWT: base(nil)}, prof, map[string]Status{IDJWTDecode: StatusPass, IDJWTExpiry: StatusPass, IDJWTIssuer: StatusPass, IDJWTAudience: StatusPass}},
		{"no token", Token{Missing: "not signed in"}, prof, map[string]Status{IDJWTDecode: StatusFail, IDJWTExpiry: StatusSkip}},
		{"expired", Token{JWT: base(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })}, prof, map[string]Status{IDJWTExpiry: StatusFail}},
		{"expired but refreshable", Token{JWT: base(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }), FromStore: true, Refreshable: true}, prof, map[string]Status{IDJWTExpiry: StatusWarn}},
		{"no exp", Token{JWT: base(func(c map[string]any) { delete(c, "exp") })}, prof, map[string]Status{IDJWTExpiry: StatusFail}},
		{"iat far in the future", Token{JWT: base(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() })}, prof, map[string]Status{IDJWTExpiry: StatusFail}},
		{"nbf slightly ahead", Token{JWT: base(func(c map[string]any) { c["nbf"] = now.Add(time.Minute).Unix() })}, prof, map[string]Status{IDJWTExpiry: StatusWarn}},
		{"other issuer", Token{JWT: base(func(c map[string]any) { c["iss"] = "https://evil" })}, prof, map[string]Status{IDJWTIssuer: StatusFail}},
		{"trailing slash issuer", Token{JWT: base(func(c map[string]any) { c["iss"] = "https://idp.example.com/" })}, prof, map[string]Status{IDJWTIssuer: StatusPass}},
		{"other audience", Token{JWT: base(func(c map[string]any) { c["aud"] = []string{"x", "y"} })}, prof, map[string]Status{IDJWTAudience: StatusFail}},
		{"audience list", Token{JWT: base(func(c map[string]any) { c["aud"] = []string{"x", "client-1"} })}, prof, map[string]Status{IDJWTAudience: StatusPass}},
		{"no profile", Token{JWT: base(nil)}, nil, map[string]Status{IDJWTIssuer: StatusSkip, IDJWTAudience: StatusSkip}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Report{}
			r.Add(checkToken(tt.tok, tt.prof, now)...)
			for id, want := range tt.want {
				c := r.Find(id)
				if c == nil || c.Status != want {
					t.Errorf("%s = %+v, want %s", id, c, want)
				} else if (want == StatusFail || want == StatusWarn) && c.Hint == "" {
					t.Errorf("%s has no hint", id)
				}
			}
		})
	}
}

func TestCheckProfile(t *testing.T) {
	valid := &config.Profile{Provider: config.ProviderOIDC, IssuerURL: "https://idp.example.com", ClientID: "c",
		TokenExchangeApplicationARN: "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888",
		OIDCRoleARN:                 "arn:aws:iam::123456789012:role/oidc", IDEnhancedRoleARN: "arn:aws:iam::123456789012:role/enh"}
	invalid := *valid
	invalid.OIDCRoleARN = "nope"
	nc := &config.NotConfiguredError{}
	tests := []struct {
		name      string
		p         *config.Profile
		err       error
		haveToken bool
		want      Status
	}{
		{"valid", valid, nil, false, StatusPass},
		{"invalid", &invalid, nil, false, StatusFail},
		{"none, with -j", nil, nc, true, StatusSkip},
		{"none, no token", nil, nc, false, StatusFail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := checkProfile(tt.p, tt.err, tt.haveToken); got.Status != tt.want {
				t.Errorf("got %+v, want %s", got, tt.want)
			}
		})
	}
}
