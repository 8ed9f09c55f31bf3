package registry

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzValidate checks Validate never panics, and that every application it
// accepts survives both storage encodings (Bolt JSON, DynamoDB item)
// unchanged.
func FuzzValidate(f *testing.F) {
	f.Add("arn:aws:iam::123456789012:role/App", "Access", "TenantID", "tenant", "https://x/jwks", "", "", int64(0))
	f.Add("arn:aws-cn:iam::123456789012:role/A", "a+=,.@_-", "aws:x", "c\x00", "http://[::1]:1/j", "iss", "aud", int64(1))
	f.Add("", "", "Ünï cødé", "ß", "%zz", "\xff", "a", int64(-1))
	f.Fuzz(func(t *testing.T, roleARN, access, tagKey, claim, jwks, iss, aud string, nanos int64) {
		app := Application{
			RoleARN: roleARN, AccessRoleName: access, SessionTagKey: tagKey,
			JWTClaimName: claim, JWKSetURL: jwks, Issuer: iss, Audience: aud,
			CreatedAt: time.Unix(0, nanos),
		}
		if app.Validate() != nil {
			return
		}
		if err := ValidTagValue(tagKey); err != nil {
			t.Fatalf("valid tag key %q is not a valid tag value: %v", tagKey, err)
		}
		want := normalize(app)
		data, err := json.Marshal(want)
		if err != nil {
			t.Fatal(err)
		}
		var rec Application
		if err := json.Unmarshal(data, &rec); err != nil {
			t.Fatal(err)
		}
		if got, err := checkStored(roleARN, rec); err != nil || !sameApp(got, want) {
			t.Fatalf("bolt round trip: got %+v, %v; want %+v", got, err, want)
		}
		got, err := fromItem(toItem(want))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := checkStored(roleARN, got); err != nil || !sameApp(got, want) {
			t.Fatalf("dynamodb round trip: got %+v, %v; want %+v", got, err, want)
		}
	})
}

// FuzzValidTagValue checks ValidTagValue never panics and never accepts
// more than 256 characters.
func FuzzValidTagValue(f *testing.F) {
	for _, s := range []string{"", "Yellow", "a,b", "\xff", "名前 ٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if ValidTagValue(v) == nil && len([]rune(v)) > 256 {
			t.Fatalf("accepted %d characters", len([]rune(v)))
		}
	})
}

func sameApp(a, b Application) bool {
	at, bt := a.CreatedAt, b.CreatedAt
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a == b && at.Equal(bt) && at.Location() == time.UTC
}
