package registry

import (
	"context"
	"fmt"
	"sync"
)

// Memory is an in-process Store for tests and single-run demos. The zero
// value is not usable; call NewMemory.
type Memory struct {
	mu   sync.RWMutex
	apps map[string]Application
}

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{apps: make(map[string]Application)}
}

// Put validates app and stores it under app.RoleARN.
func (m *Memory) Put(ctx context.Context, app Application) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := app.Validate(); err != nil {
		return false, fmt.Errorf("memory put: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, replaced := m.apps[app.RoleARN]
	m.apps[app.RoleARN] = normalize(app)
	return replaced, nil
}

// Get returns the registration for roleARN or ErrNotFound.
func (m *Memory) Get(ctx context.Context, roleARN string) (Application, error) {
	if err := ctx.Err(); err != nil {
		return Application{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	app, ok := m.apps[roleARN]
	if !ok {
		return Application{}, ErrNotFound
	}
	return app, nil
}

// Delete removes the registration for roleARN or returns ErrNotFound.
func (m *Memory) Delete(ctx context.Context, roleARN string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[roleARN]; !ok {
		return ErrNotFound
	}
	delete(m.apps, roleARN)
	return nil
}

// Close is a no-op; it exists to satisfy Store.
func (m *Memory) Close() error { return nil }
