package s3ag

import (
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
)

var testNow = time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC)

const testAccount = "123456789012"

func grant(target, perm, priv, requested string, expiresIn time.Duration) *cred.Grant {
	return &cred.Grant{
		Target: target, Permission: perm, Privilege: priv, Requested: requested,
		Credentials: &cred.Credentials{
			AccessKeyID: "AK-" + target + "-" + perm, Expiration: testNow.Add(expiresIn), AccountID: testAccount,
		},
	}
}

func mustURI(t *testing.T, s string) URI {
	t.Helper()
	u, err := ParseURI(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// fifteenMinutes is an expiry policy like credential_process callers use.
func fifteenMinutes(c *cred.Credentials) bool { return c.Expiration.Sub(testNow) >= 15*time.Minute }

func TestLookup(t *testing.T) {
	bucketRW := grant("s3://b1b/*", "READWRITE", "Default", "s3://b1b/x", time.Hour)
	aliceR := grant("s3://b1b/alice/*", "READ", "Default", "s3://b1b/alice/a", time.Hour)
	aliceDeepW := grant("s3://b1b/alice/deep/*", "WRITE", "Default", "s3://b1b/alice/deep/a", time.Hour)
	bobStale := grant("s3://b1b/bob/*", "READ", "Default", "s3://b1b/bob/a", 5*time.Minute)
	carolGone := grant("s3://b1b/carol/*", "READWRITE", "Default", "s3://b1b/carol/a", -time.Minute)
	obj := grant("s3://b1b/alice/o.txt", "READ", "Default", "s3://b1b/alice/o.txt", time.Hour)
	objTyped := grant("s3://b1b/alice/o.txt", "READ", "Default", "s3://b1b/alice/o.txt", time.Hour)
	objTyped.TargetType = targetTypeObject
	minimal := grant("s3://b2b/*", "READ", "Minimal", "s3://b2b/team/*", time.Hour)
	minimalBucket := grant("s3://b3b/*", "READ", "Minimal", "s3://b3b", time.Hour)
	otherAcct := grant("s3://b4b/*", "READ", "Default", "s3://b4b/x", time.Hour)
	otherAcct.Credentials.AccountID = "999999999999"
	all := []*cred.Grant{nil, {Target: "s3://b1b/*", Permission: "READ"}, bucketRW, aliceR, aliceDeepW, bobStale,
		carolGone, obj, objTyped, minimal, minimalBucket, otherAcct}

	tests := []struct {
		name, target, perm, priv, targetType, account string
		fresh                                         func(*cred.Credentials) bool
		want                                          *cred.Grant
	}{
		{name: "most specific prefix", target: "s3://b1b/alice/x", perm: "READ", want: aliceR},
		{name: "lower-case permission", target: "s3://b1b/alice/x", perm: "read", want: aliceR},
		{name: "READ grant does not serve WRITE", target: "s3://b1b/alice/x", perm: "WRITE", want: bucketRW},
		{name: "READWRITE serves READWRITE", target: "s3://b1b/alice/x", perm: "READWRITE", want: bucketRW},
		{name: "deeper prefix wins", target: "s3://b1b/alice/deep/x", perm: "WRITE", want: aliceDeepW},
		{name: "deeper grant lacks permission", target: "s3://b1b/alice/deep/x", perm: "READ", want: aliceR},
		{name: "object grant wins", target: "s3://b1b/alice/o.txt", perm: "READ", want: obj},
		{name: "object target type", target: "s3://b1b/alice/o.txt", perm: "READ", targetType: "object", want: objTyped},
		{name: "target type must match", target: "s3://b1b/alice/x", perm: "READ", targetType: "Object"},
		{name: "sibling falls to bucket", target: "s3://b1b/alice2/x", perm: "READ", want: bucketRW},
		{name: "prefix target", target: "s3://b1b/alice/sub/", perm: "READ", want: aliceR},
		{name: "bucket target", target: "s3://b1b", perm: "READ", want: bucketRW},
		{name: "stale per policy", target: "s3://b1b/bob/x", perm: "READ", fresh: fifteenMinutes, want: bucketRW},
		{name: "stale allowed without policy", target: "s3://b1b/bob/x", perm: "READ", want: bobStale},
		{name: "expired never served", target: "s3://b1b/carol/x", perm: "WRITE", want: bucketRW},
		{name: "policy rejects all", target: "s3://b1b/x", perm: "READ", fresh: func(*cred.Credentials) bool { return false }},
		{name: "privilege must match", target: "s3://b1b/alice/x", perm: "READ", priv: "Minimal"},
		{name: "explicit Default", target: "s3://b1b/alice/x", perm: "READ", priv: "default", want: aliceR},
		{name: "minimal inside requested", target: "s3://b2b/team/x", perm: "READ", priv: "Minimal", want: minimal},
		{name: "minimal outside requested", target: "s3://b2b/other/x", perm: "READ", priv: "Minimal"},
		{name: "minimal same bucket request", target: "s3://b3b/", perm: "READ", priv: "Minimal", want: minimalBucket},
		{name: "minimal not for Default", target: "s3://b2b/team/x", perm: "READ"},
		{name: "account matches", target: "s3://b4b/x", perm: "READ", account: "999999999999", want: otherAcct},
		{name: "account differs", target: "s3://b4b/x", perm: "READ", account: testAccount},
		{name: "no grant", target: "s3://zzz/x", perm: "READ"},
		{name: "invalid permission", target: "s3://b1b/x", perm: "ALL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{Target: mustURI(t, tt.target), Permission: Permission(tt.perm),
				Privilege: Privilege(tt.priv), TargetType: tt.targetType, AccountID: tt.account}
			got := Lookup(all, req, testNow, tt.fresh)
			if got != tt.want {
				t.Errorf("Lookup = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLookupTieBreak(t *testing.T) {
	rw := grant("s3://b1b/p/*", "READWRITE", "Default", "", 2*time.Hour)
	r1 := grant("s3://b1b/p/*", "READ", "Default", "", time.Hour)
	r2 := grant("s3://b1b/p/*", "READ", "Default", "", 3*time.Hour)
	req := Request{Target: mustURI(t, "s3://b1b/p/x"), Permission: PermissionRead}
	if got := Lookup([]*cred.Grant{rw, r1, r2}, req, testNow, nil); got != r2 {
		t.Errorf("Lookup = %+v, want exact permission with later expiry", got)
	}
	req.Permission = PermissionWrite
	if got := Lookup([]*cred.Grant{r1, rw, r2}, req, testNow, nil); got != rw {
		t.Errorf("Lookup = %+v, want READWRITE grant", got)
	}
}

func TestUpsert(t *testing.T) {
	a := grant("s3://b1b/a/*", "READ", "Default", "s3://b1b/a/1", time.Hour)
	aWrite := grant("s3://b1b/a/*", "WRITE", "Default", "s3://b1b/a/1", time.Hour)
	aMin := grant("s3://b1b/a/*", "READ", "Minimal", "s3://b1b/a/1", time.Hour)
	aMin2 := grant("s3://b1b/a/*", "READ", "Minimal", "s3://b1b/a/2", time.Hour)
	expiredRecently := grant("s3://b1b/r/*", "READ", "Default", "", -23*time.Hour)
	expiredLongAgo := grant("s3://b1b/old/*", "READ", "Default", "", -25*time.Hour)
	in := []*cred.Grant{nil, a, aWrite, aMin, aMin2, expiredRecently, expiredLongAgo, {Target: "s3://b1b/nocreds/*"}}
	orig := append([]*cred.Grant(nil), in...)

	newA := grant("s3://b1b/a/*", "READ", "Default", "s3://b1b/a/other", 2*time.Hour)
	got := Upsert(in, newA, testNow)
	want := []*cred.Grant{aWrite, aMin, aMin2, expiredRecently, newA}
	if !sameGrants(got, want) {
		t.Errorf("Upsert Default = %v, want %v", keys(got), keys(want))
	}
	for i := range in {
		if in[i] != orig[i] {
			t.Fatalf("Upsert modified its input at %d", i)
		}
	}

	newMin := grant("s3://b1b/a/*", "READ", "Minimal", "s3://b1b/a/2", 2*time.Hour)
	got = Upsert(got, newMin, testNow)
	want = []*cred.Grant{aWrite, aMin, expiredRecently, newA, newMin}
	if !sameGrants(got, want) {
		t.Errorf("Upsert Minimal = %v, want %v", keys(got), keys(want))
	}
	if got := Upsert(nil, nil, testNow); len(got) != 0 {
		t.Errorf("Upsert(nil, nil) = %v", got)
	}
}

func sameGrants(a, b []*cred.Grant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func keys(gs []*cred.Grant) string {
	var s []string
	for _, g := range gs {
		s = append(s, g.Target+"|"+g.Permission+"|"+g.Privilege+"|"+g.Requested)
	}
	return strings.Join(s, ", ")
}

func TestRequestValidate(t *testing.T) {
	ok := Request{Target: URI{Bucket: "b1b", Key: "k"}, Permission: "read", Privilege: "minimal",
		TargetType: "object", DurationSeconds: 900, AccountID: testAccount}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	tests := []struct {
		name    string
		mut     func(*Request)
		wantErr string
	}{
		{"bad bucket", func(r *Request) { r.Target.Bucket = "B" }, "invalid S3 URI"},
		{"empty bucket", func(r *Request) { r.Target = URI{} }, "missing bucket name"},
		{"bucket with slash", func(r *Request) { r.Target = URI{Bucket: "b1b/x", Key: "k"} }, "do not round-trip"},
		{"bad permission", func(r *Request) { r.Permission = "" }, "invalid permission"},
		{"bad privilege", func(r *Request) { r.Privilege = "max" }, "invalid privilege"},
		{"object on prefix", func(r *Request) { r.Target.Key = "p/" }, "target type Object"},
		{"short duration", func(r *Request) { r.DurationSeconds = 899 }, "invalid duration 899"},
		{"long duration", func(r *Request) { r.DurationSeconds = 43201 }, "invalid duration"},
		{"negative duration", func(r *Request) { r.DurationSeconds = -1 }, "invalid duration"},
		{"short account", func(r *Request) { r.AccountID = "12345678901" }, "invalid account id"},
		{"empty account", func(r *Request) { r.AccountID = "" }, "must be 12 digits"},
		{"alpha account", func(r *Request) { r.AccountID = "12345678901x" }, "must be 12 digits"},
	}
	for _, tt := range tests {
		r := ok
		tt.mut(&r)
		if err := r.Validate(); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: Validate = %v, want containing %q", tt.name, err, tt.wantErr)
		}
	}
}
