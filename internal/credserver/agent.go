package credserver

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/safefile"
)

// AgentFile and AgentTokenFile are the files, in the config directory,
// where `serve --profiles` records its address and token (both 0600), so
// a restarted agent keeps them and clients find them.
const (
	AgentFile      = "serve.json"
	AgentTokenFile = "serve.token"
)

// Agent is what AgentFile records. The token itself is only in
// AgentTokenFile, the file AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE can name.
type Agent struct {
	Listen    string `json:"listen"`
	TokenFile string `json:"token_file"`
	PID       int    `json:"pid"`
	// URLs maps each served profile to its AWS_CONTAINER_CREDENTIALS_FULL_URI.
	URLs map[string]string `json:"urls"`
}

// maxAgentFile bounds serve.json and serve.token: both are a few hundred
// bytes that tip-cli wrote itself (read without following a link, without
// blocking on a FIFO).
const maxAgentFile = 64 << 10

// LoadAgent reads the previous agent's record and token from dir. Missing
// files give the zero Agent and ""; a token that is not one NewToken made
// is dropped ("": make a new one).
func LoadAgent(dir string) (Agent, string, error) {
	var a Agent
	data, err := safefile.ReadNoFollow(filepath.Join(dir, AgentFile), maxAgentFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return Agent{}, "", fmt.Errorf("read %s: %w", AgentFile, err)
	default:
		if err := json.Unmarshal(data, &a); err != nil {
			return Agent{}, "", fmt.Errorf("read %s: %w", AgentFile, err)
		}
	}
	tok, err := safefile.ReadNoFollow(filepath.Join(dir, AgentTokenFile), maxAgentFile)
	if errors.Is(err, fs.ErrNotExist) {
		return a, "", nil
	}
	if err != nil {
		return Agent{}, "", fmt.Errorf("read %s: %w", AgentTokenFile, err)
	}
	t := strings.TrimSpace(string(tok))
	if b, err := base64.RawURLEncoding.DecodeString(t); err != nil || len(b) != tokenBytes {
		return a, "", nil
	}
	return a, t, nil
}

// Save writes the token file and the record into dir, each atomically and
// 0600, the token first: a record never names a token file that is not
// there.
func (a Agent) Save(dir, token string) error {
	if err := config.WriteFileAtomic(filepath.Join(dir, AgentTokenFile), []byte(token)); err != nil {
		return fmt.Errorf("write agent token: %w", err)
	}
	data, err := json.MarshalIndent(a, "", "  ")
	if err != nil {
		return fmt.Errorf("encode agent record: %w", err)
	}
	if err := config.WriteFileAtomic(filepath.Join(dir, AgentFile), append(data, '\n')); err != nil {
		return fmt.Errorf("write agent record: %w", err)
	}
	return nil
}
