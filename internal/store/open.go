package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"

	"github.com/tip-cli/tip-cli/internal/store/keyringerr"
)

// warnMarkerName is the file under the config directory that records that
// the "secrets are in files" warning has been shown.
const warnMarkerName = "file-store-warned"

// OpenOptions selects and configures the store backend.
type OpenOptions struct {
	// Dir is the config directory ($AWS_TIP_CLI). Required: the keyring
	// store seals its files there.
	Dir string
	// Backend is TIP_CLI_STORE: "" (automatic), "keyring" or "file".
	Backend string
	// Getenv reads the environment (DBUS_SESSION_BUS_ADDRESS); nil reads
	// nothing.
	Getenv func(string) string
	// GOOS is runtime.GOOS normally; "" means runtime.GOOS.
	GOOS string
	// Keyring is the OS keyring (oskeyring.New()); nil means this process
	// has none and reads keys only from Cache, returning ErrNoOSKeyring on
	// a miss (the lean binary on Linux, which links no D-Bus). Tests
	// inject storetest.Keyring.
	Keyring Keyring
	// Cache is the per-login key cache in front of the keyring
	// (KernelKeyCache()); nil means none.
	Cache KeyCache
	// Warn receives one warning, the first time (per Dir) the file store is
	// chosen automatically. nil discards it.
	Warn io.Writer
}

// Open returns the store backend for opts.
//
// Automatic selection: darwin and windows use the keyring. Elsewhere, with
// no D-Bus session bus the file store is used at once and D-Bus is never
// touched (go-keyring's D-Bus library would otherwise autolaunch a
// dbus-daemon per process). With a bus, the returned store uses the keyring
// and, if the first keyring access fails (Secret Service missing, locked,
// broken), switches to the file store for the rest of the process, warning
// once. Once the keyring has answered, its errors are returned: no
// plaintext secret goes to files while a keyring works (the keyring store's
// files hold only ciphertext).
//
// A directory whose secrets are in the keyring (a sealed file exists) never
// falls back: with no bus, or a keyring that fails on first use (locked,
// say), every call returns a *keyringUnreachableError, every time, rather
// than asking for a sign-in whose tokens would go to plaintext files
// (issue #22). Only a directory with no keyring history gets the file
// store and the once-only warning.
func Open(opts OpenOptions) (Store, error) {
	return open(opts, runUserDir())
}

// open is Open with the directory where godbus looks for the session bus
// socket injected for tests.
func open(opts OpenOptions, runDir string) (Store, error) {
	goos := opts.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	newKeyring := func() *KeyringStore {
		ks := NewKeyringStore(opts.Dir, opts.Keyring)
		ks.Cache = opts.Cache
		return ks
	}
	if opts.Backend != "" && opts.Backend != "keyring" && opts.Backend != "file" {
		return nil, fmt.Errorf("open store: unknown TIP_CLI_STORE value %q (want \"keyring\" or \"file\")", opts.Backend)
	}
	if opts.Dir == "" {
		return nil, errors.New("open store: no config directory")
	}
	switch {
	case opts.Backend == "keyring", opts.Backend == "" && (goos == "darwin" || goos == "windows"):
		return newKeyring(), nil
	case opts.Backend == "file":
		return NewFileStore(opts.Dir), nil
	}
	file := NewFileStore(opts.Dir)
	if !sessionBusAvailable(getenv, runDir) {
		if keyringHistory(opts.Dir) {
			return refusingStore{&keyringUnreachableError{Dir: opts.Dir, Err: errors.New("no D-Bus session bus")}}, nil
		}
		warnFileStore(opts.Dir, opts.Warn, "no D-Bus session bus, so no OS keyring")
		return file, nil
	}
	return &autoStore{
		keyring: newKeyring(),
		file:    file,
		history: func() bool { return keyringHistory(opts.Dir) },
		warn: func(err error) {
			warnFileStore(opts.Dir, opts.Warn, "OS keyring unreachable ("+err.Error()+")")
		},
	}, nil
}

// runUserDir is where godbus looks for the session bus socket when
// DBUS_SESSION_BUS_ADDRESS is unset: /run/user/<uid>.
func runUserDir() string {
	uid := os.Getuid()
	if uid < 0 {
		return ""
	}
	return "/run/user/" + strconv.Itoa(uid)
}

// sessionBusAvailable reports whether godbus would find a session bus
// without autolaunching one: DBUS_SESSION_BUS_ADDRESS is set (and is not
// "autolaunch:"), or <runDir>/bus exists. $XDG_RUNTIME_DIR is normally
// runDir; godbus itself looks only at /run/user/<uid>, so a bus socket that
// exists only under a different $XDG_RUNTIME_DIR would still make it
// autolaunch, and is deliberately not counted.
func sessionBusAvailable(getenv func(string) string, runDir string) bool {
	if addr := getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return true
	}
	if runDir == "" {
		return false
	}
	_, err := os.Stat(filepath.Join(runDir, "bus"))
	return err == nil
}

// warnFileStore writes the file-store warning to w unless the marker under
// dir says it was shown before, then creates the marker.
func warnFileStore(dir string, w io.Writer, reason string) {
	if w == nil {
		return
	}
	marker := filepath.Join(dir, warnMarkerName)
	if _, err := os.Lstat(marker); err == nil {
		return
	}
	fmt.Fprintf(w, "tip-cli: warning: %s; keeping secrets in owner-only files under %s "+
		"(shown once; TIP_CLI_STORE=keyring|file selects a backend)\n",
		reason, filepath.Join(dir, SecretsDirName))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return
	}
	// O_EXCL|O_NOFOLLOW: never write through a planted symbolic link.
	f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err == nil {
		_, _ = f.WriteString("the file-store warning has been shown\n")
		f.Close()
	}
}

// backend states of autoStore.
const (
	undecided = iota
	useKeyring
	useFile
	refused
)

// autoStore uses the keyring, falling back to the file store for the rest
// of the process if the keyring fails on its first use and the directory
// has no keyring history (else refusing every call).
type autoStore struct {
	keyring *KeyringStore
	file    *FileStore
	warn    func(error)
	// history reports whether the directory's secrets are in the keyring.
	history func() bool

	mu     sync.Mutex
	state  int
	refuse error // set in state refused
}

// Name implements Store: "keyring" until a fallback has happened.
func (a *autoStore) Name() string {
	if a.current() == useFile {
		return a.file.Name()
	}
	return a.keyring.Name()
}

func (a *autoStore) current() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.state
}

// fellBack records the outcome of a keyring call and reports whether the
// caller must use the file store instead.
func (a *autoStore) fellBack(ctx context.Context, err error) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if err == nil {
		if a.state == undecided {
			a.state = useKeyring
		}
		return false
	}
	if a.state == undecided && keyringUnreachable(ctx, err) {
		if a.history != nil && a.history() {
			a.state, a.refuse = refused, &keyringUnreachableError{Dir: a.file.Dir, Err: err}
			return false
		}
		a.state = useFile
		a.warn(err)
	}
	return a.state == useFile
}

// explain turns a keyring failure after the keyring has answered (locked
// since, say: a key read from the kernel cache let the call get this far)
// into the way out, for a directory whose secrets are in the keyring.
func (a *autoStore) explain(ctx context.Context, err error) error {
	if err == nil || !keyringUnreachable(ctx, err) || a.history == nil || !a.history() {
		return err
	}
	return &keyringUnreachableError{Dir: a.file.Dir, Err: err}
}

// refusal returns the error every call returns once the store refused.
func (a *autoStore) refusal() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.refuse
}

// keyringUnreachable reports whether err says the keyring itself failed,
// rather than the call being cancelled or the data being refused.
func keyringUnreachable(ctx context.Context, err error) bool {
	var be *backendError
	return ctx.Err() == nil && errors.As(err, &be) &&
		!errors.Is(err, keyringerr.ErrTooBig) &&
		!errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// Get implements Store.
func (a *autoStore) Get(ctx context.Context, profile string) (*Bundle, error) {
	if a.current() == useFile {
		return a.file.Get(ctx, profile)
	}
	if err := a.refusal(); err != nil {
		return nil, err
	}
	b, err := a.keyring.Get(ctx, profile)
	if a.fellBack(ctx, err) {
		return a.file.Get(ctx, profile)
	}
	if r := a.refusal(); r != nil {
		return nil, r
	}
	return b, a.explain(ctx, err)
}

// GetServed implements Store.
func (a *autoStore) GetServed(ctx context.Context, profile string) (*Served, error) {
	if a.current() == useFile {
		return a.file.GetServed(ctx, profile)
	}
	if err := a.refusal(); err != nil {
		return nil, err
	}
	s, err := a.keyring.GetServed(ctx, profile)
	if a.fellBack(ctx, err) {
		return a.file.GetServed(ctx, profile)
	}
	if r := a.refusal(); r != nil {
		return nil, r
	}
	return s, a.explain(ctx, err)
}

// Stats implements the store's instrumentation (see Stats): the keyring
// store's counts, also after a fallback.
func (a *autoStore) Stats() Stats { return a.keyring.Stats() }

// Put implements Store. After a keyring write it removes any copy the file
// store kept from an earlier fallback, so no secret lingers in files.
func (a *autoStore) Put(ctx context.Context, profile string, b *Bundle) error {
	if a.current() == useFile {
		return a.file.Put(ctx, profile, b)
	}
	if err := a.refusal(); err != nil {
		return err
	}
	err := a.keyring.Put(ctx, profile, b)
	if a.fellBack(ctx, err) {
		return a.file.Put(ctx, profile, b)
	}
	if r := a.refusal(); r != nil {
		return r
	}
	if err != nil {
		return a.explain(ctx, err)
	}
	if err := a.file.Delete(ctx, profile); err != nil {
		return fmt.Errorf("remove file copy after keyring write: %w", err)
	}
	return nil
}

// Delete implements Store: it removes profile from the keyring (when
// reachable) and from the file store.
func (a *autoStore) Delete(ctx context.Context, profile string) error {
	if err := a.refusal(); err != nil {
		return err
	}
	var kerr error
	if a.current() != useFile {
		kerr = a.keyring.Delete(ctx, profile)
		if a.fellBack(ctx, kerr) {
			kerr = nil
		}
		if r := a.refusal(); r != nil {
			return r
		}
	}
	return errors.Join(a.explain(ctx, kerr), a.file.Delete(ctx, profile))
}
