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
// used past maxMetadataAge, and an unknown kid or a failed signature
// check refetches it at once, so a rotated key is picked up on first use.
const (
	minMetadataAge = 5 * time.Minute
	maxMetadataAge = 24 * time.Hour
)

// maxMetadataBytes bounds a discovery document, a JWKS and a cache file.
const maxMetadataBytes = 1 << 20

// MetadataCache keeps issuers' discovery documents and JWKS on disk (public
// data, 0600 files in a 0700 directory), so that a refresh in a new
// process costs one IdP request (the token request) instead of three.
// The files are not authenticated: a document is used only when the
// refreshed tokens' pin (cred.IdPMetadata) names its digest, so a planted
// file costs requests and never redirects a refresh token.
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
	DiscoveryFetched time.Time       `json:"discovery_fetched"`
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
	root, err := openCacheDir(m.Dir)
	if err != nil {
		return
	}
	defer root.Close()
	_ = writeFileIn(root, filepath.Base(m.path(e.Issuer)), data)
}

// discovery returns the cached discovery document when still fresh.
func (e *metadataEntry) discovery(now time.Time) json.RawMessage {
	if len(e.Discovery) == 0 || !fresh(e.DiscoveryFetched, e.DiscoveryExpires, now) {
		return nil
	}
	return e.Discovery
}

// jwks returns the cached JWKS for uri when still fresh.
func (e *metadataEntry) jwks(uri string, now time.Time) json.RawMessage {
	if len(e.JWKS) == 0 || e.JWKSURI != uri || !fresh(e.JWKSFetched, e.JWKSExpires, now) {
		return nil
	}
	return e.JWKS
}

// fresh reports whether a document fetched at fetched and cacheable until
// expires may be used at now: never past maxMetadataAge after the fetch
// (whatever expiry a file claims), and not when the fetch lies more than
// a minute ahead (a clock set back, or a forged time).
func fresh(fetched, expires, now time.Time) bool {
	return now.Before(expires) && now.Before(fetched.Add(maxMetadataAge)) && !now.Before(fetched.Add(-time.Minute))
}

// pinned reports whether raw is the document a pin names by its SHA-256
// digest sum, within the pin's lifetime (see fresh).
func pinned(raw []byte, sum string, fetched, expires, now time.Time) bool {
	return sum != "" && digest(raw) == sum && fresh(fetched, expires, now)
}

// digest is the hex SHA-256 of a metadata document in the form the cache
// file holds it: encoding/json compacts a json.RawMessage and escapes <, >
// and & in it, so a document read back has the digest of the one fetched.
// "" for a document that is not JSON.
func digest(raw []byte) string {
	stored, err := json.Marshal(json.RawMessage(raw))
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(stored)
	return hex.EncodeToString(sum[:])
}

// cacheLifetime is how long a response may be used: its Cache-Control
// max-age clamped to [minMetadataAge, maxMetadataAge]; no-store, no-cache
// and max-age=0 give the minimum, no max-age at all the maximum (the
// refetch on an unknown kid or a failed signature check covers rotation).
func cacheLifetime(h http.Header) time.Duration {
	age, found := maxMetadataAge, false
	for _, v := range h.Values("Cache-Control") {
		for _, d := range strings.Split(v, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(name) {
			case "no-store", "no-cache":
				return minMetadataAge
			case "max-age":
				n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64)
				if err != nil || n < 0 {
					return minMetadataAge
				}
				if !found || time.Duration(n)*time.Second < age {
					age, found = time.Duration(min(n, int64(maxMetadataAge/time.Second)))*time.Second, true
				}
			}
		}
	}
	return min(max(age, minMetadataAge), maxMetadataAge)
}
