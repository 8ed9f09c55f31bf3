package store

import (
	"context"
	"encoding/json"
	"sync"
)

// Memory is an in-process Store for tests. It round-trips bundles through
// JSON so callers cannot alias what is stored.
type Memory struct {
	mu    sync.Mutex
	items map[string][]byte
	// Gets counts Get calls, so tests can assert the cached path reads once.
	Gets int
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{items: map[string][]byte{}} }

// Name implements Store.
func (m *Memory) Name() string { return "memory" }

// Get implements Store.
func (m *Memory) Get(_ context.Context, profile string) (*Bundle, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Gets++
	data, ok := m.items[profile]
	if !ok {
		return nil, nil
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, nil
	}
	return &b, nil
}

// Put implements Store.
func (m *Memory) Put(_ context.Context, profile string, b *Bundle) error {
	data, err := json.Marshal(b)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[profile] = data
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, profile string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, profile)
	return nil
}

// GetServed implements Store (counted as a Get).
func (m *Memory) GetServed(ctx context.Context, profile string) (*Served, error) {
	b, err := m.Get(ctx, profile)
	return b.ServedPart(), err
}
