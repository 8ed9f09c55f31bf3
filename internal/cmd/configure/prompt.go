package configure

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/tip-cli/tip-cli/internal/config"
)

// prompter asks questions on w and reads answers from r, one line each.
type prompter struct {
	in  *bufio.Reader
	out io.Writer
}

// ask shows label with the current value as default, and repeats the
// question until validate accepts the answer (an empty answer keeps the
// default). EOF aborts.
func (p *prompter) ask(label, def string, validate func(string) error) (string, error) {
	for {
		if def != "" {
			fmt.Fprintf(p.out, "%s [%s]: ", label, def)
		} else {
			fmt.Fprintf(p.out, "%s: ", label)
		}
		line, err := p.in.ReadString('\n')
		if err != nil && (line == "" || !errors.Is(err, io.EOF)) {
			if errors.Is(err, io.EOF) {
				return "", errors.New("configuration aborted: input ended")
			}
			return "", err
		}
		answer := strings.TrimSpace(line)
		if answer == "" {
			answer = def
		}
		verr := validate(answer)
		if verr == nil {
			return answer, nil
		}
		fmt.Fprintf(p.out, "  ✗ %v\n", verr)
		if errors.Is(err, io.EOF) {
			return "", errors.New("configuration aborted: input ended")
		}
	}
}

func required(name string) func(string) error {
	return func(s string) error {
		if s == "" {
			return fmt.Errorf("%s is required", name)
		}
		return nil
	}
}

// promptProfile walks through every setting, starting from cur.
func promptProfile(p *prompter, cur config.Profile) (*config.Profile, error) {
	prof := cur
	var err error
	if prof.Provider, err = p.ask("Identity provider ("+strings.Join(config.ProviderNames(), ", ")+")", cur.Provider, func(s string) error {
		if _, ok := config.LookupPreset(s); !ok {
			return fmt.Errorf("unknown provider %q", s)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := promptIdP(p, &prof); err != nil {
		return nil, err
	}
	if err := promptMode(p, &prof); err != nil {
		return nil, err
	}
	port, err := p.ask("Redirect port (registered with your IdP)", redirectPort(prof.Redirect()), func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q is not a port number", s)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	prof.RedirectURI = ""
	if r := "http://localhost:" + port + "/callback"; r != config.DefaultRedirectURI {
		prof.RedirectURI = r
	}
	return &prof, nil
}

// promptMode asks for the TIP mode and the AWS settings that mode needs.
func promptMode(p *prompter, prof *config.Profile) error {
	mode, err := p.ask("TIP mode ("+strings.Join(config.TIPModes, ", ")+")", prof.TIPMode(), func(s string) error {
		if s != config.TIPModeIdentityCenter && s != config.TIPModeIAMFederation {
			return fmt.Errorf("tip mode %q must be one of %s", s, strings.Join(config.TIPModes, ", "))
		}
		return nil
	})
	if err != nil {
		return err
	}
	prof.Mode = ""
	if mode == config.TIPModeIAMFederation {
		prof.Mode = mode
		prof.TokenExchangeApplicationARN, prof.OIDCRoleARN, prof.IDEnhancedRoleARN = "", "", ""
	} else {
		prof.RoleARN, prof.DurationSeconds, prof.IdentityCenterInstanceARN = "", 0, ""
	}
	type step struct {
		label string
		field *string
		check func(string) error
	}
	steps := []step{
		{"Identity Center application ARN (token_exchange_application_arn)", &prof.TokenExchangeApplicationARN, config.ValidateApplicationARN},
		{"OIDC role ARN", &prof.OIDCRoleARN, config.ValidateRoleARN},
		{"Identity-enhanced role ARN", &prof.IDEnhancedRoleARN, config.ValidateRoleARN},
	}
	if prof.Mode == config.TIPModeIAMFederation {
		steps = []step{{"Role ARN (trusted through the TIP-enabled IAM OIDC provider)", &prof.RoleARN, config.ValidateRoleARN}}
	}
	steps = append(steps, step{"AWS region", &prof.Region, config.ValidateRegion})
	for _, s := range steps {
		if *s.field, err = p.ask(s.label, *s.field, s.check); err != nil {
			return err
		}
	}
	if prof.Mode != config.TIPModeIAMFederation {
		return nil
	}
	d, err := p.ask("Session duration in seconds (900-43200)", strconv.Itoa(prof.FederationDuration()), func(s string) error {
		n, err := strconv.Atoi(s)
		if err != nil || n < config.MinDurationSeconds || n > config.MaxDurationSeconds {
			return fmt.Errorf("%q is not a duration of %d-%d seconds", s, config.MinDurationSeconds, config.MaxDurationSeconds)
		}
		return nil
	})
	if err != nil {
		return err
	}
	prof.DurationSeconds, _ = strconv.Atoi(d)
	return nil
}

// promptIdP asks for the preset's issuer-like setting and client id.
func promptIdP(p *prompter, prof *config.Profile) error {
	ps := config.PresetFor(prof.Provider)
	issuer, client := ps.IssuerField(prof), ps.ClientField(prof)
	var err error
	if *issuer, err = p.ask(ps.PromptLabel, *issuer, func(s string) error {
		if s == "" {
			return errors.New("a value is required")
		}
		*issuer = s // Issuer() derives the URL from the preset's field
		return config.ValidateIssuerURL(prof.Issuer())
	}); err != nil {
		return err
	}
	if *client == "" {
		*client = prof.ClientID
	}
	*client, err = p.ask("Client id", *client, required("client id"))
	return err
}

func redirectPort(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Port() == "" {
		return "8090"
	}
	return u.Port()
}
