// Package storetest provides an in-memory OS keyring for tests of the
// store and of the commands above it: it counts every call, enforces a
// platform's item size limit as go-keyring does, and fails on demand to
// simulate crashes and unreachable keyrings.
package storetest

import (
	"errors"
	"strings"
	"sync"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
)

// ErrCrash is what an injected failure returns.
var ErrCrash = errors.New("simulated crash")

// Keyring is an in-memory store.Keyring. The zero value is not usable;
// call NewKeyring.
type Keyring struct {
	// Limit is the largest password Set accepts (store.ItemLimit of the
	// platform); longer ones fail with keyringerr.ErrTooBig. 0 means
	// no limit.
	Limit int

	mu                  sync.Mutex
	items               map[string]string // key: service + "\x00" + user
	gets, sets, deletes int
	err                 error
	failSetAt           int
	failDeletes         bool
	onGet               func(user string)
}

// NewKeyring returns an empty keyring with the given item limit.
func NewKeyring(limit int) *Keyring { return &Keyring{Limit: limit, items: map[string]string{}} }

func key(service, user string) string { return service + "\x00" + user }

// Get implements store.Keyring.
func (k *Keyring) Get(service, user string) (string, error) {
	k.mu.Lock()
	hook := k.onGet
	k.mu.Unlock()
	if hook != nil {
		hook(user)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gets++
	if k.err != nil {
		return "", k.err
	}
	v, ok := k.items[key(service, user)]
	if !ok {
		return "", keyringerr.ErrNotFound
	}
	return v, nil
}

// Set implements store.Keyring.
func (k *Keyring) Set(service, user, password string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sets++
	if k.err != nil {
		return k.err
	}
	if k.failSetAt > 0 {
		k.failSetAt--
		if k.failSetAt == 0 {
			return ErrCrash
		}
	}
	if k.Limit > 0 && len(password) > k.Limit {
		return keyringerr.ErrTooBig
	}
	k.items[key(service, user)] = password
	return nil
}

// Delete implements store.Keyring.
func (k *Keyring) Delete(service, user string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.deletes++
	if k.err != nil {
		return k.err
	}
	if k.failDeletes {
		return ErrCrash
	}
	kk := key(service, user)
	if _, ok := k.items[kk]; !ok {
		return keyringerr.ErrNotFound
	}
	delete(k.items, kk)
	return nil
}

// Fail makes every later call return err (nil restores).
func (k *Keyring) Fail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.err = err
}

// FailSetAt makes the nth Set from now (1-based) fail with ErrCrash, as if
// the process died there.
func (k *Keyring) FailSetAt(n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failSetAt = n
}

// FailDeletes makes every Delete fail with ErrCrash.
func (k *Keyring) FailDeletes(fail bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.failDeletes = fail
}

// OnGet runs hook (outside the lock) before each Get.
func (k *Keyring) OnGet(hook func(user string)) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.onGet = hook
}

// Counts returns how many Get, Set and Delete calls were made.
func (k *Keyring) Counts() (gets, sets, deletes int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.gets, k.sets, k.deletes
}

// Users returns the stored user names (all services).
func (k *Keyring) Users() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for kk := range k.items {
		_, u, _ := strings.Cut(kk, "\x00")
		out = append(out, u)
	}
	return out
}

// Item returns the stored value of service/user ("" when absent).
func (k *Keyring) Item(service, user string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.items[key(service, user)]
}

// SetItem stores a value directly, bypassing the limit and the counters.
func (k *Keyring) SetItem(service, user, v string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.items[key(service, user)] = v
}

// DeleteItem removes a value directly, bypassing the counters.
func (k *Keyring) DeleteItem(service, user string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.items, key(service, user))
}
