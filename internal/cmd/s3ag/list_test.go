package s3ag

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/cred"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
	"github.com/tip-cli/tip-cli/internal/store"
	"github.com/tip-cli/tip-cli/internal/testclock"
)

// TestListCredentials: the cached grants of the selected profile, sorted
// by target, valid while they have more than the serving margin left; no
// secret in either format, and a note on stderr when there are none.
func TestListCredentials(t *testing.T) {
	t.Parallel()
	clock := testclock.New(time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC))
	st := store.NewFileStore(t.TempDir())
	ios, _, out, errOut := iostreamstest.New()
	opts := &ListOptions{IO: ios, Profile: "dev", Now: clock.Now, Output: "text",
		Store: func() (store.Store, error) { return st, nil }}

	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 0 || errOut.String() != "No cached S3 Access Grants credentials for profile dev\n" {
		t.Fatalf("empty: stdout %q stderr %q", out, errOut)
	}

	hour, soon := clock.Now().Add(time.Hour), clock.Now().Add(10*time.Minute)
	creds := func(exp time.Time) *cred.Credentials {
		return &cred.Credentials{AccessKeyID: "AKIDGRANT", SecretAccessKey: "grant-secret", SessionToken: "grant-token", Expiration: exp}
	}
	b := &store.Bundle{Grants: []*cred.Grant{
		{Target: "s3://data/team/*", Permission: "READWRITE", Privilege: "Default", TargetType: "Object", Credentials: creds(hour)},
		{Target: "s3://data/*", Permission: "READ", Privilege: "Minimal", Requested: "s3://data/a.csv", Credentials: creds(soon)},
	}}
	if err := st.Put(context.Background(), "dev", b); err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), "prod", &store.Bundle{Grants: []*cred.Grant{{Target: "s3://other/*", Credentials: creds(hour)}}}); err != nil {
		t.Fatal(err)
	}

	errOut.Reset()
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	// Columns aligned; the expiry in local time (its width varies by zone).
	want := [][]string{
		{"TARGET", "PERMISSION", "PRIVILEGE", "EXPIRES", "STATUS"},
		{"s3://data/*", "READ", "Minimal", soon.Local().Format(time.RFC3339), "expired"},
		{"s3://data/team/*", "READWRITE", "Default", hour.Local().Format(time.RFC3339), "valid"},
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	var got [][]string
	for _, l := range lines {
		got = append(got, strings.Fields(l))
	}
	if !reflect.DeepEqual(got, want) || errOut.Len() != 0 || strings.Index(lines[1], "READ") != strings.Index(lines[0], "PERMISSION") {
		t.Errorf("text:\n%s\nwant rows %q", out, want)
	}

	out.Reset()
	opts.Output = "json"
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var rows []CachedGrant
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	wantRows := []CachedGrant{
		{Target: "s3://data/*", Requested: "s3://data/a.csv", Permission: "READ", Privilege: "Minimal", Expiration: soon, Valid: false},
		{Target: "s3://data/team/*", Permission: "READWRITE", Privilege: "Default", TargetType: "Object", Expiration: hour, Valid: true},
	}
	if !reflect.DeepEqual(rows, wantRows) {
		t.Errorf("json rows %+v, want %+v", rows, wantRows)
	}
	for _, secret := range []string{"AKIDGRANT", "grant-secret", "grant-token"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("list-credentials shows %s", secret)
		}
	}

	// An hour on, every grant has expired.
	clock.Advance(time.Hour)
	out.Reset()
	if err := listRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || rows[0].Valid || rows[1].Valid {
		t.Errorf("an hour on: %+v %v", rows, err)
	}
}
