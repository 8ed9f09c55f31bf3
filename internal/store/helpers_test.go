package store

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// fakeKeyring is an in-memory keyringAPI that counts calls and can fail
// on demand, to simulate crashes and unreachable keyrings.
type fakeKeyring struct {
	mu                  sync.Mutex
	items               map[string]string // key: service + "\x00" + user
	gets, sets, deletes int

	// err, when set, is returned by every call.
	err error
	// failSetAt makes the Nth Set (1-based, counted from now) fail, as if
	// the process died there.
	failSetAt int
	// failDeletes makes every Delete fail.
	failDeletes bool
	// onGet runs (outside the lock) before each Get.
	onGet func(user string)
}

var errCrash = errors.New("simulated crash")

func newFakeKeyring() *fakeKeyring { return &fakeKeyring{items: map[string]string{}} }

func fkey(service, user string) string { return service + "\x00" + user }

func (f *fakeKeyring) Get(service, user string) (string, error) {
	f.mu.Lock()
	hook := f.onGet
	f.mu.Unlock()
	if hook != nil {
		hook(user)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gets++
	if f.err != nil {
		return "", f.err
	}
	v, ok := f.items[fkey(service, user)]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

func (f *fakeKeyring) Set(service, user, password string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sets++
	if f.err != nil {
		return f.err
	}
	if f.failSetAt > 0 {
		f.failSetAt--
		if f.failSetAt == 0 {
			return errCrash
		}
	}
	f.items[fkey(service, user)] = password
	return nil
}

func (f *fakeKeyring) Delete(service, user string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deletes++
	if f.err != nil {
		return f.err
	}
	if f.failDeletes {
		return errCrash
	}
	k := fkey(service, user)
	if _, ok := f.items[k]; !ok {
		return keyring.ErrNotFound
	}
	delete(f.items, k)
	return nil
}

// users returns the stored user names of service.
func (f *fakeKeyring) users() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.items {
		_, u, _ := strings.Cut(k, "\x00")
		out = append(out, u)
	}
	return out
}

func (f *fakeKeyring) counts() (gets, sets, deletes int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.gets, f.sets, f.deletes
}

func (f *fakeKeyring) item(user string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[fkey(KeyringService, user)]
}

func (f *fakeKeyring) setItem(user, v string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items[fkey(KeyringService, user)] = v
}

func (f *fakeKeyring) deleteItem(user string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, fkey(KeyringService, user))
}

func newTestKeyring(api keyringAPI, limit int) *KeyringStore {
	return &KeyringStore{Service: KeyringService, ChunkLimit: limit, api: api}
}

var testTime = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// sampleBundle returns a bundle with every part filled in, tagged so
// different bundles differ, and a non-ASCII email.
func sampleBundle(tag string) *Bundle {
	b := &Bundle{
		IdP: &Tokens{
			IDToken: "eyJ.id." + tag, AccessToken: "at-" + tag, RefreshToken: "rt-" + tag,
			Expiry: testTime.Add(time.Hour), Subject: "sub-" + tag, Email: "jörg+" + tag + "@exämple.com 🔑",
			IssuedAt: testTime,
		},
		Grants: []*Grant{{
			Target: "s3://bucket/prefix/*", Permission: "READ", Privilege: "Default",
			Credentials: &Credentials{AccessKeyID: "ASIAGRANT", SecretAccessKey: "gs-" + tag,
				SessionToken: "gt-" + tag, Expiration: testTime.Add(time.Hour), MintedAt: testTime},
		}},
	}
	b.SetSession("", &Credentials{AccessKeyID: "ASIA" + tag, SecretAccessKey: "sk-" + tag,
		SessionToken: "st-" + tag, Expiration: testTime.Add(time.Hour), AccountID: "123456789012",
		AssumedRoleARN: "arn:aws:sts::123456789012:assumed-role/R/tip-x", Identity: "u-1", MintedAt: testTime})
	return b
}

// bundleWithPayload returns a bundle whose encoded payload is exactly n
// bytes (n must exceed the payload of sampleBundle).
func bundleWithPayload(t testing.TB, tag string, n int) *Bundle {
	t.Helper()
	b := sampleBundle(tag)
	base, err := encodeBundle(b)
	if err != nil {
		t.Fatal(err)
	}
	if n < len(base) {
		t.Fatalf("payload %d smaller than base %d", n, len(base))
	}
	b.IdP.IDToken += strings.Repeat("x", n-len(base))
	got, _ := encodeBundle(b)
	if len(got) != n {
		t.Fatalf("payload %d, want %d", len(got), n)
	}
	return b
}

// mustJSON renders b for comparisons.
func mustJSON(t testing.TB, b *Bundle) string {
	t.Helper()
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func assertBundle(t testing.TB, got, want *Bundle) {
	t.Helper()
	if got == nil {
		t.Fatal("got no bundle")
	}
	if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
		t.Fatalf("bundle mismatch:\n got %.200s\nwant %.200s", g, w)
	}
}
