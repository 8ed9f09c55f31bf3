package configure

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/iostreams/iostreamstest"
	"github.com/tip-cli/tip-cli/internal/store"
)

// world is what the configure commands run against in these tests: a
// config directory of their own, the file store in it, and buffer streams.
// Each command's options take from it only what that command needs.
type world struct {
	dir         string
	ios         *iostreams.IOStreams
	in          *bytes.Buffer
	out, errOut *bytes.Buffer
	store       store.Store
	env         map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{dir: t.TempDir(), env: map[string]string{}}
	w.ios, w.in, w.out, w.errOut = iostreamstest.New()
	w.store = store.NewFileStore(w.dir)
	return w
}

func (w *world) configDir() (string, error)        { return w.dir, nil }
func (w *world) loadConfig() (*config.File, error) { return config.Load(w.dir) }

// factory is the part of a Factory cmdutil.Factory.DeleteSecrets uses.
func (w *world) factory() *cmdutil.Factory {
	return &cmdutil.Factory{
		ConfigDir: w.configDir,
		Store:     func() (store.Store, error) { return w.store, nil },
	}
}

// reset clears what the last command wrote.
func (w *world) reset() {
	w.out.Reset()
	w.errOut.Reset()
}

// save writes profiles (and sign-ins) into config.json.
func (w *world) save(t *testing.T, profiles, signIns map[string]*config.Profile) {
	t.Helper()
	cfg, err := config.Load(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range profiles {
		cfg.Profiles[name] = p
	}
	if len(signIns) > 0 && cfg.SignIns == nil {
		cfg.SignIns = map[string]*config.Profile{}
	}
	for name, si := range signIns {
		cfg.SignIns[name] = si
	}
	if err := config.Save(w.dir, cfg); err != nil {
		t.Fatal(err)
	}
}

// saved reads config.json as it is on disk ("" when absent).
func (w *world) saved(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, config.FileName))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}

func (w *world) load(t *testing.T) *config.File {
	t.Helper()
	cfg, err := config.Load(w.dir)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// answer feeds lines to the prompts on a terminal.
func (w *world) answer(lines ...string) {
	iostreamstest.SetTTY(w.ios, iostreams.TTY{Stdin: true})
	w.in.Reset()
	w.in.WriteString(strings.Join(lines, "\n") + "\n")
}

const (
	appARN   = "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888"
	oidcRole = "arn:aws:iam::123456789012:role/tip-oidc"
	idRole   = "arn:aws:iam::123456789012:role/tip-id-enhanced"
	fedRole  = "arn:aws:iam::123456789012:role/tip-federated"
	oktaURL  = "https://example.okta.com/oauth2/default"
)

// oktaProfile is a valid identity-center profile with its own IdP settings.
func oktaProfile(region string) *config.Profile {
	return &config.Profile{Provider: "okta", OktaURL: oktaURL, OktaClientID: "0oa1",
		TokenExchangeApplicationARN: appARN, OIDCRoleARN: oidcRole, IDEnhancedRoleARN: idRole, Region: region}
}
