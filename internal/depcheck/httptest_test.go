package depcheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// httptestServer matches the start of an httptest server, whose Close
// closes http.DefaultTransport's idle connections (see internal/testhttp).
var httptestServer = regexp.MustCompile(`httptest\.New(TLS|Unstarted)?Server\(`)

// TestHTTPTestServersKeepDefaultTransportClear: every package whose tests
// start httptest servers turns off DefaultTransport's idle pool in its
// tests (testhttp.NoSharedIdleConns), or one test's Close can break
// another's request (a CI run failed on that).
func TestHTTPTestServersKeepDefaultTransportClear(t *testing.T) {
	t.Parallel()
	servers := map[string]string{} // dir -> a file starting a server
	guarded := map[string]bool{}
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") || filepath.Base(filepath.Dir(path)) == "depcheck" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if httptestServer.Match(b) {
			servers[dir] = path
		}
		if strings.Contains(string(b), "testhttp.NoSharedIdleConns()") {
			guarded[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) < 5 {
		t.Fatalf("found httptest servers in %d packages: is the check broken?", len(servers))
	}
	for dir, file := range servers {
		if !guarded[dir] {
			t.Errorf("%s starts an httptest server, but no test file of %s calls testhttp.NoSharedIdleConns() in an init func", file, dir)
		}
	}
}
