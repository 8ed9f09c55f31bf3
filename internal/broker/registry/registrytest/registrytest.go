// Package registrytest is the conformance suite every registry.Store
// backend must pass (memory, bbolt, DynamoDB), so the backends can be
// swapped without the server noticing.
package registrytest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// Run runs the conformance suite. open must return a new, empty store for
// each call; Run closes it when the subtest ends.
func Run(t *testing.T, open func(t *testing.T) registry.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(t *testing.T, s registry.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Replace", testReplace},
		{"Delete", testDelete},
		{"NotFound", testNotFound},
		{"InvalidRefused", testInvalidRefused},
		{"Isolation", testIsolation},
		{"CreatedAt", testCreatedAt},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// App returns a valid Application whose fields all derive from i, so apps
// with different i differ in every field.
func App(i int) registry.Application {
	return registry.Application{
		RoleARN:        fmt.Sprintf("arn:aws:iam::%012d:role/App-%d", 100000000000+i, i),
		AccessRoleName: fmt.Sprintf("Access.Role+%d@x", i),
		SessionTagKey:  fmt.Sprintf("TenantID-%d", i),
		JWTClaimName:   fmt.Sprintf("custom:tenant_%d", i),
		JWKSetURL:      fmt.Sprintf("https://idp%d.example.com/.well-known/jwks.json", i),
		Issuer:         fmt.Sprintf("https://idp%d.example.com", i),
		Audience:       fmt.Sprintf("client-%d", i),
		CreatedAt:      time.Date(2025, 1, 2, 3, 4, 5, 123456789+i, time.UTC),
	}
}

// Equal fails t unless got equals want field by field, with CreatedAt the
// same instant and in UTC.
func Equal(t testing.TB, got, want registry.Application) {
	t.Helper()
	if !same(got, want) {
		t.Errorf("application mismatch:\n got  %+v\n want %+v", got, want)
	}
	if got.CreatedAt.Location() != time.UTC {
		t.Errorf("CreatedAt location = %v, want UTC", got.CreatedAt.Location())
	}
}

// same reports whether a and b hold the same fields and CreatedAt instant.
func same(a, b registry.Application) bool {
	at, bt := a.CreatedAt, b.CreatedAt
	a.CreatedAt, b.CreatedAt = time.Time{}, time.Time{}
	return a == b && at.Equal(bt)
}

func mustPut(t testing.TB, s registry.Store, app registry.Application, wantReplaced bool) {
	t.Helper()
	replaced, err := s.Put(context.Background(), app)
	if err != nil {
		t.Fatalf("Put(%s): %v", app.RoleARN, err)
	}
	if replaced != wantReplaced {
		t.Fatalf("Put(%s) replaced = %v, want %v", app.RoleARN, replaced, wantReplaced)
	}
}

func mustGet(t testing.TB, s registry.Store, roleARN string) registry.Application {
	t.Helper()
	app, err := s.Get(context.Background(), roleARN)
	if err != nil {
		t.Fatalf("Get(%s): %v", roleARN, err)
	}
	return app
}

func wantNotFound(t testing.TB, s registry.Store, roleARN string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.Get(ctx, roleARN); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Get(%q) err = %v, want ErrNotFound", roleARN, err)
	}
	if err := s.Delete(ctx, roleARN); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("Delete(%q) err = %v, want ErrNotFound", roleARN, err)
	}
}

func testRoundTrip(t *testing.T, s registry.Store) {
	tests := []struct {
		name string
		app  registry.Application
	}{
		{"all fields", App(1)},
		{"no optional fields", func() registry.Application {
			a := App(2)
			a.Issuer, a.Audience = "", ""
			return a
		}()},
		{"gov partition and unicode tag key", func() registry.Application {
			a := App(3)
			a.RoleARN = "arn:aws-us-gov:iam::123456789012:role/GovApp"
			a.SessionTagKey = "Mandant Schlüssel_1"
			a.JWTClaimName = "https://example.com/claims/tenant"
			return a
		}()},
		{"china partition loopback jwks", func() registry.Application {
			a := App(4)
			a.RoleARN = "arn:aws-cn:iam::123456789012:role/CnApp"
			a.JWKSetURL = "http://127.0.0.1:8443/jwks?x=1"
			return a
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mustPut(t, s, tc.app, false)
			Equal(t, mustGet(t, s, tc.app.RoleARN), tc.app)
		})
	}
}

func testReplace(t *testing.T, s registry.Store) {
	first := App(1)
	mustPut(t, s, first, false)
	second := App(2)
	second.RoleARN = first.RoleARN
	second.Issuer, second.Audience = "", "" // cleared optional fields must not linger
	mustPut(t, s, second, true)
	Equal(t, mustGet(t, s, first.RoleARN), second)
	mustPut(t, s, first, true)
	Equal(t, mustGet(t, s, first.RoleARN), first)
}

func testDelete(t *testing.T, s registry.Store) {
	app := App(1)
	mustPut(t, s, app, false)
	if err := s.Delete(context.Background(), app.RoleARN); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, app.RoleARN)
	// Registering again after a delete is a fresh registration.
	mustPut(t, s, app, false)
	Equal(t, mustGet(t, s, app.RoleARN), app)
}

func testNotFound(t *testing.T, s registry.Store) {
	mustPut(t, s, App(1), false)
	for _, arn := range []string{
		App(2).RoleARN,
		"",
		App(1).RoleARN + "x",
		"arn:aws:iam::100000000001:role/app-1", // role names are case-sensitive keys here
	} {
		wantNotFound(t, s, arn)
	}
}

func testInvalidRefused(t *testing.T, s registry.Store) {
	existing := App(1)
	mustPut(t, s, existing, false)
	tests := []struct {
		name    string
		sameKey bool // use the existing registration's key
		mutate  func(a *registry.Application)
	}{
		{"empty RoleARN", false, func(a *registry.Application) { a.RoleARN = "" }},
		{"user ARN", false, func(a *registry.Application) { a.RoleARN = "arn:aws:iam::123456789012:user/bob" }},
		{"access role ARN", false, func(a *registry.Application) {
			a.AccessRoleName = "arn:aws:iam::123456789012:role/X"
		}},
		{"access role path", false, func(a *registry.Application) { a.AccessRoleName = "team/X" }},
		{"aws: tag key", false, func(a *registry.Application) { a.SessionTagKey = "AWS:TenantID" }},
		{"claim control char", false, func(a *registry.Application) { a.JWTClaimName = "ten\nant" }},
		{"relative jwks", false, func(a *registry.Application) { a.JWKSetURL = "/jwks.json" }},
		// Same key as the existing registration: a refused Put must not
		// overwrite it.
		{"invalid overwrite", true, func(a *registry.Application) { a.SessionTagKey = "" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := App(2)
			if tc.sameKey {
				app = App(1)
			}
			tc.mutate(&app)
			replaced, err := s.Put(context.Background(), app)
			var verr *registry.ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Put err = %v, want a *registry.ValidationError", err)
			}
			if replaced {
				t.Error("refused Put reported replaced = true")
			}
		})
	}
	wantNotFound(t, s, App(2).RoleARN)
	Equal(t, mustGet(t, s, existing.RoleARN), existing)
}

func testIsolation(t *testing.T, s registry.Store) {
	yellow, blue := App(1), App(2)
	// Same role name in another account is another application.
	blue.RoleARN = "arn:aws:iam::222222222222:role/App-1"
	mustPut(t, s, yellow, false)
	mustPut(t, s, blue, false)
	Equal(t, mustGet(t, s, yellow.RoleARN), yellow)
	Equal(t, mustGet(t, s, blue.RoleARN), blue)
	if err := s.Delete(context.Background(), blue.RoleARN); err != nil {
		t.Fatalf("Delete(blue): %v", err)
	}
	Equal(t, mustGet(t, s, yellow.RoleARN), yellow)
	wantNotFound(t, s, blue.RoleARN)
}

func testCreatedAt(t *testing.T, s registry.Store) {
	tests := []struct {
		name string
		at   time.Time
	}{
		{"nanoseconds", time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)},
		{"other zone", time.Date(2024, 6, 1, 8, 0, 0, 1, time.FixedZone("CEST", 2*3600))},
		{"local with monotonic", time.Now()},
		{"zero", time.Time{}},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := App(10 + i)
			app.CreatedAt = tc.at
			mustPut(t, s, app, false)
			got := mustGet(t, s, app.RoleARN)
			Equal(t, got, app)
		})
	}
}

func testConcurrent(t *testing.T, s registry.Store) {
	const n = 50
	ctx := context.Background()
	shared := App(0)
	var wg sync.WaitGroup
	errs := make(chan error, 3*n)
	for i := 1; i <= n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- putGet(ctx, s, App(i))
			v := App(i)
			v.RoleARN = shared.RoleARN
			if _, err := s.Put(ctx, v); err != nil {
				errs <- fmt.Errorf("put shared: %w", err)
			}
			if _, err := s.Get(ctx, shared.RoleARN); err != nil {
				errs <- fmt.Errorf("get shared: %w", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// The shared key holds exactly one of the written values, whole.
	got := mustGet(t, s, shared.RoleARN)
	found := false
	for i := 1; i <= n; i++ {
		want := App(i)
		want.RoleARN = shared.RoleARN
		found = found || same(got, want)
	}
	if !found {
		t.Errorf("shared key holds a torn or unknown value: %+v", got)
	}
}

// putGet stores app and reads it back, reporting any difference.
func putGet(ctx context.Context, s registry.Store, app registry.Application) error {
	replaced, err := s.Put(ctx, app)
	if err != nil {
		return fmt.Errorf("put %s: %w", app.RoleARN, err)
	}
	if replaced {
		return fmt.Errorf("put %s: replaced = true for a new key", app.RoleARN)
	}
	got, err := s.Get(ctx, app.RoleARN)
	if err != nil {
		return fmt.Errorf("get %s: %w", app.RoleARN, err)
	}
	if !same(got, app) {
		return fmt.Errorf("get %s: got %+v, want %+v", app.RoleARN, got, app)
	}
	return nil
}
