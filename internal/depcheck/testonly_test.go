package depcheck

import (
	"slices"
	"testing"
)

func TestTestOnly(t *testing.T) {
	t.Parallel()
	const m = "example.com/m"
	deps := []string{"testing", "testing/iotest", "net/http/httptest", "net/http", "internal/testlog",
		m, m + "/internal/store", m + "/internal/store/storetest", m + "/internal/testkit",
		m + "/internal/depcheck", m + "/internal/contest", m + "/internal/attestation", "other.org/x/testkit"}
	got := TestOnly(deps, m)
	want := []string{"testing", "testing/iotest", "net/http/httptest",
		m + "/internal/store/storetest", m + "/internal/testkit", m + "/internal/depcheck", m + "/internal/contest"}
	if !slices.Equal(got, want) {
		t.Fatalf("TestOnly = %q, want %q", got, want)
	}
}
