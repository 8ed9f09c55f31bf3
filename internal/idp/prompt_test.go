package idp

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/tip-cli/tip-cli/internal/sandbox/idpemu"
)

func TestLoginSendsPrompt(t *testing.T) {
	for _, prompt := range []string{"", "consent"} {
		idp := newSandbox(t, idpemu.IdPOptions{Now: testNow})
		c := newClient(idp, testNow)
		c.Prompt = prompt
		var sent url.Values
		open := browser()
		_, err := c.Login(context.Background(), LoginOptions{Timeout: 10 * time.Second, OpenURL: func(ctx context.Context, authURL string) error {
			u, err := url.Parse(authURL)
			if err != nil {
				return err
			}
			sent = u.Query()
			return open(ctx, authURL)
		}})
		if err != nil {
			t.Fatalf("prompt %q: %v", prompt, err)
		}
		if got, has := sent.Get("prompt"), sent.Has("prompt"); got != prompt || has != (prompt != "") {
			t.Errorf("prompt %q: authorize request sent prompt=%q (present %v)", prompt, got, has)
		}
	}
}
