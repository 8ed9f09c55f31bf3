package store

import (
	"strconv"
	"testing"
	"time"
)

func TestAssertionLedger(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tt := range []struct {
		name    string
		exp     time.Time
		at      time.Time // when PresentedEntry is asked
		present bool
	}{
		{"just recorded", now.Add(time.Hour), now, true},
		{"within the skew after exp", now.Add(time.Hour), now.Add(time.Hour + ledgerSkew - time.Second), true},
		{"past exp and skew", now.Add(time.Hour), now.Add(time.Hour + ledgerSkew), false},
		{"unknown exp kept an hour", time.Time{}, now.Add(59 * time.Minute), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := &Bundle{}
			b.RecordPresented("tok", tt.exp, now)
			if got := b.PresentedEntry("tok", tt.at) != nil; got != tt.present {
				t.Errorf("presented = %v, want %v", got, tt.present)
			}
			if b.PresentedEntry("other", now) != nil {
				t.Error("another token reads as presented")
			}
			if b.Presented[0].Digest == "tok" || len(b.Presented[0].Digest) != 64 {
				t.Errorf("digest %q: want a hex SHA-256, never the token", b.Presented[0].Digest)
			}
		})
	}
}

func TestAssertionLedgerBounded(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	b := &Bundle{}
	b.RecordPresented("expired", now.Add(time.Minute), now)
	later := now.Add(time.Hour)
	for i := range ledgerMax + 10 {
		b.RecordPresented("t"+strconv.Itoa(i), later.Add(time.Hour), later.Add(time.Duration(i)*time.Second))
	}
	if len(b.Presented) != ledgerMax {
		t.Fatalf("%d entries, want %d", len(b.Presented), ledgerMax)
	}
	if b.PresentedEntry("t9", later) != nil || b.PresentedEntry("t10", later) == nil {
		t.Error("want the oldest entries dropped first")
	}
	if b.PresentedEntry("expired", now) != nil {
		t.Error("an expired entry survived")
	}
}
