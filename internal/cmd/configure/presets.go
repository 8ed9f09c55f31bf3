package configure

import (
	"strings"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
)

// helpWidth is the widest line of the key list in `configure idp --help`.
const helpWidth = 83

// keysHelp lists the profile keys, the presets' own keys from the preset
// table, wrapped and indented for `configure idp --help`.
func keysHelp() string {
	var groups []string
	for _, ps := range config.Presets() {
		groups = append(groups, strings.Join(ps.Keys, ", "))
	}
	all := "token_exchange_application_arn, oidc_role_arn, id_enhanced_role_arn, region, " +
		strings.Join(groups, " | ") +
		", redirect_uri, prompt, flow (auto|browser|device|paste), session_policy, session_policy_arns"
	var lines []string
	line := " "
	for _, w := range strings.Fields(all) {
		if len(line)+1+len(w) > helpWidth {
			lines = append(lines, line)
			line = " "
		}
		line += " " + w
	}
	return strings.Join(append(lines, line), "\n")
}

// providerChoices is "okta, entra-id, cognito or oidc" from the preset table.
func providerChoices() string { return cmdutil.OrList(config.ProviderNames()) }
