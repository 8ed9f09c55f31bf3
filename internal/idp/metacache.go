package idp

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/safefile"
)

// MetadataCacheDirName is the directory under the config directory holding
// the IdP metadata cache.
const MetadataCacheDirName = "idp-cache"

// Bounds on how long cached IdP metadata is used (Cache-Control max-age is
// clamped into them; without one the maximum applies). A JWKS is never
// used past MaxMetadataAge, and an unknown kid or a failed signature
// check refetches it at once, so a rotated key is picked up on first use.
const (
	MinMetadataAge = 5 * time.Minute
	MaxMetadataAge = 24 * time.Hour
)

// maxMetadataBytes bounds a discovery document, a JWKS and a cache file.
const maxMetadataBytes = 1 << 20

// MetadataCache keeps issuers' discovery documents and JWKS on disk (public
// data, 0600 files in a 0700 directory), so that a refresh in a new
// process costs one IdP request (the token request) instead of three.
type MetadataCache struct {
	// Dir is <config dir>/idp-cache.
	Dir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// metadataEntry is one issuer's cache file.
type metadataEntry struct {
	Issuer           string          `json:"issuer"`
	Discovery        json.RawMessage `json:"discovery,omitempty"`
	DiscoveryExpires time.Time       `json:"discovery_expires"`
	JWKSURI          string          `json:"jwks_uri,omitempty"`
	JWKS             json.RawMessage `json:"jwks,omitempty"`
	JWKSFetched      time.Time       `json:"jwks_fetched"`
	JWKSExpires      time.Time       `json:"jwks_expires"`
}

func (m *MetadataCache) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *MetadataCache) path(issuer string) string {
	sum := sha256.Sum256([]byte(issuer))
	return filepath.Join(m.Dir, hex.EncodeToString(sum[:16])+".json")
}

// load returns issuer's entry; an empty one when there is none or it is
// unreadable, foreign or corrupt (the cache is only an optimisation).
func (m *MetadataCache) load(issuer string) *metadataEntry {
	empty := &metadataEntry{Issuer: issuer}
	// Never through a planted link, never blocking on a FIFO, never more
	// than an entry can be.
	data, err := safefile.ReadNoFollow(m.path(issuer), maxMetadataBytes)
	if err != nil {
		return empty
	}
	if e := parseMetadataEntry(data, issuer); e != nil {
		return e
	}
	return empty
}

// parseMetadataEntry decodes a cache file, nil unless it is a whole entry
// for issuer.
func parseMetadataEntry(data []byte, issuer string) *metadataEntry {
	if len(data) > maxMetadataBytes {
		return nil
	}
	var e metadataEntry
	if err := json.Unmarshal(data, &e); err != nil || e.Issuer != issuer {
		return nil
	}
	return &e
}

// save writes e (best effort: a failed cache write costs requests later,
// never the refresh).
func (m *MetadataCache) save(e *metadataEntry) {
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	if err := config.EnsureDir(filepath.Dir(m.Dir)); err != nil {
		return
	}
	if err := config.EnsureDir(m.Dir); err != nil {
		return
	}
	_ = config.WriteFileAtomic(m.path(e.Issuer), data)
}

// discovery returns the cached discovery document when still fresh.
func (e *metadataEntry) discovery(now time.Time) json.RawMessage {
	if len(e.Discovery) == 0 || !now.Before(e.DiscoveryExpires) {
		return nil
	}
	return e.Discovery
}

// jwks returns the cached JWKS for uri when still fresh (never past
// MaxMetadataAge after it was fetched).
func (e *metadataEntry) jwks(uri string, now time.Time) json.RawMessage {
	if len(e.JWKS) == 0 || e.JWKSURI != uri || !now.Before(e.JWKSExpires) ||
		now.Sub(e.JWKSFetched) >= MaxMetadataAge || now.Before(e.JWKSFetched.Add(-time.Minute)) {
		return nil
	}
	return e.JWKS
}

// cacheLifetime is how long a response may be used: its Cache-Control
// max-age clamped to [MinMetadataAge, MaxMetadataAge]; no-store, no-cache
// and max-age=0 give the minimum, no max-age at all the maximum (the
// refetch on an unknown kid or a failed signature check covers rotation).
func cacheLifetime(h http.Header) time.Duration {
	age, found := MaxMetadataAge, false
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return MinMetadataAge
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err != nil || n < 0 {
					return MinMetadataAge
				}
				if !found || time.Duration(n)*time.Second < age {
					age, found = time.Duration(min(n, int64(MaxMetadataAge/time.Second)))*time.Second, true
				}
			}
		}
	}
	return min(max(age, MinMetadataAge), MaxMetadataAge)
}
