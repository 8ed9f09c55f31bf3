package registrytest

import (
	"context"
	"fmt"
	"sync"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// Memory is an in-process registry.Store for tests; it passes the same
// conformance suite (Run) as the real backends. The zero
// value is not usable; call NewMemory.
type Memory struct {
	mu   sync.RWMutex
	apps map[string]registry.Application
}

// NewMemory returns an empty in-memory Store.
func NewMemory() *Memory {
	return &Memory{apps: make(map[string]registry.Application)}
}

// Put validates app and stores it under app.RoleARN.
func (m *Memory) Put(ctx context.Context, app registry.Application) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := app.Validate(); err != nil {
		return false, fmt.Errorf("memory put: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, replaced := m.apps[app.RoleARN]
	m.apps[app.RoleARN] = normalized(app)
	return replaced, nil
}

// Get returns the registration for roleARN or registry.ErrNotFound.
func (m *Memory) Get(ctx context.Context, roleARN string) (registry.Application, error) {
	if err := ctx.Err(); err != nil {
		return registry.Application{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	app, ok := m.apps[roleARN]
	if !ok {
		return registry.Application{}, registry.ErrNotFound
	}
	return app, nil
}

// Delete removes the registration for roleARN or returns registry.ErrNotFound.
func (m *Memory) Delete(ctx context.Context, roleARN string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[roleARN]; !ok {
		return registry.ErrNotFound
	}
	delete(m.apps, roleARN)
	return nil
}

// Close is a no-op; it exists to satisfy Store.
func (m *Memory) Close() error { return nil }

// normalized is app as the real backends return it (their round trip keeps
// CreatedAt in UTC).
func normalized(app registry.Application) registry.Application {
	app.CreatedAt = app.CreatedAt.UTC()
	return app
}
