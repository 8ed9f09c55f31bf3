package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// boltBucket is the one bucket Bolt uses; keys are role ARNs.
const boltBucket = "applications"

// boltOpenTimeout bounds the wait for the file lock, so a second process
// opening the same file fails quickly instead of hanging.
const boltOpenTimeout = time.Second

// Bolt is a Store in a single bbolt file (the standalone server's default).
// Values are the JSON of the Application including its RoleARN.
type Bolt struct {
	db   *bolt.DB
	path string
}

// OpenBolt opens (creating with mode 0600 if needed) the registry file at
// path. Only one process can hold the file; a second one gets an error
// after one second.
func OpenBolt(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: boltOpenTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("open registry %s: file is locked by another process (waited %s): %w",
			path, boltOpenTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("open registry %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists([]byte(boltBucket))
		return err
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open registry %s: create bucket: %w", path, err)
	}
	return &Bolt{db: db, path: path}, nil
}

// Put validates app and stores it under app.RoleARN.
func (b *Bolt) Put(ctx context.Context, app Application) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := app.Validate(); err != nil {
		return false, fmt.Errorf("bolt put: %w", err)
	}
	app = normalize(app)
	value, err := json.Marshal(app)
	if err != nil {
		return false, fmt.Errorf("bolt put %s: encode: %w", app.RoleARN, err)
	}
	var replaced bool
	err = b.db.Update(func(tx *bolt.Tx) error {
		bkt := tx.Bucket([]byte(boltBucket))
		replaced = bkt.Get([]byte(app.RoleARN)) != nil
		return bkt.Put([]byte(app.RoleARN), value)
	})
	if err != nil {
		return false, fmt.Errorf("bolt put %s: %w", b.path, err)
	}
	return replaced, nil
}

// Get returns the registration for roleARN or ErrNotFound.
func (b *Bolt) Get(ctx context.Context, roleARN string) (Application, error) {
	if err := ctx.Err(); err != nil {
		return Application{}, err
	}
	if roleARN == "" {
		return Application{}, ErrNotFound
	}
	var value []byte
	err := b.db.View(func(tx *bolt.Tx) error {
		// Bytes are valid only inside the transaction: copy them out.
		value = append(value, tx.Bucket([]byte(boltBucket)).Get([]byte(roleARN))...)
		return nil
	})
	if err != nil {
		return Application{}, fmt.Errorf("bolt get %s: %w", b.path, err)
	}
	if len(value) == 0 {
		return Application{}, ErrNotFound
	}
	var app Application
	if err := json.Unmarshal(value, &app); err != nil {
		return Application{}, fmt.Errorf("bolt get %s: decode: %w", roleARN, err)
	}
	return checkStored(roleARN, app)
}

// Delete removes the registration for roleARN or returns ErrNotFound.
func (b *Bolt) Delete(ctx context.Context, roleARN string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if roleARN == "" {
		return ErrNotFound
	}
	err := b.db.Update(func(tx *bolt.Tx) error {
		bkt := tx.Bucket([]byte(boltBucket))
		if bkt.Get([]byte(roleARN)) == nil {
			return ErrNotFound
		}
		return bkt.Delete([]byte(roleARN))
	})
	if errors.Is(err, ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("bolt delete %s: %w", b.path, err)
	}
	return nil
}

// Close releases the file and its lock.
func (b *Bolt) Close() error {
	if err := b.db.Close(); err != nil {
		return fmt.Errorf("close registry %s: %w", b.path, err)
	}
	return nil
}

// checkStored re-validates a registration read back from a backend, so a
// value edited or written by something else is never used unchecked.
func checkStored(key string, app Application) (Application, error) {
	if app.RoleARN != key {
		return Application{}, fmt.Errorf("registry item %s: stored role ARN does not match its key", key)
	}
	if err := app.Validate(); err != nil {
		// %v, not %w: a bad stored item is a server-side fault, not the
		// caller's invalid input, so it must not match *ValidationError.
		return Application{}, fmt.Errorf("registry item %s: %v", key, err)
	}
	return normalize(app), nil
}
