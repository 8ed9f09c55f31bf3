package registry_test

import (
	"context"
	"errors"
	"testing"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
)

func TestMemoryConformance(t *testing.T) {
	registrytest.Run(t, func(t *testing.T) registry.Store { return registrytest.NewMemory() })
}

func TestMemoryCanceledContext(t *testing.T) {
	m := registrytest.NewMemory()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Put(ctx, registrytest.App(1)); !errors.Is(err, context.Canceled) {
		t.Errorf("Put err = %v, want context.Canceled", err)
	}
	if _, err := m.Get(ctx, registrytest.App(1).RoleARN); !errors.Is(err, context.Canceled) {
		t.Errorf("Get err = %v, want context.Canceled", err)
	}
	if err := m.Delete(ctx, registrytest.App(1).RoleARN); !errors.Is(err, context.Canceled) {
		t.Errorf("Delete err = %v, want context.Canceled", err)
	}
}
