package idpemu

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// RotateSigningKey replaces the signing key with a fresh one (new kid), as
// an IdP rotating its keys does: tokens issued from now on carry the new
// kid and the JWKS publishes only the new key.
func (i *IdP) RotateSigningKey() error {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("rotate signing key: %w", err)
	}
	i.keyMu.Lock()
	defer i.keyMu.Unlock()
	i.key = k
	return i.initSigner()
}

// cacheControl sets the metadata responses' Cache-Control (MetadataMaxAge);
// before this the sandbox sent no-store, which real IdPs do not.
func (i *IdP) cacheControl(w http.ResponseWriter) {
	age := i.maxAge
	if age < 0 {
		w.Header()["Cache-Control"] = []string{} // present but empty: no header is sent
		return
	}
	if age == 0 {
		age = 24 * time.Hour
	}
	w.Header().Set("Cache-Control", "public, max-age="+strconv.Itoa(int(age/time.Second)))
}
