package lean

import (
	"strconv"
	"strings"
	"time"
)

// Command kinds the lean binary serves.
const (
	kindIAM  = "auth get-iam-credentials"
	kindS3AG = "s3ag get-data-access"
)

// request is a command line the lean binary may serve: the values of the
// flags tip-cli's command would read on its cached path.
type request struct {
	kind    string
	profile string
	format  string
	// get-iam-credentials
	policy     string
	policyARNs []string
	margin     time.Duration
	// s3ag get-data-access
	target, permission, privilege, targetType, accountID string
	durationSeconds                                      int32
}

// flagKind says how a flag's value is read, mirroring the pflag type tip-cli
// registers it with.
type flagKind int

const (
	flagString flagKind = iota
	flagStringArray
	flagBool
	flagDuration
	flagInt32
)

// commandFlag finds a flag of a served command (besides --profile).
// Flags that only matter when tip-cli has to refresh or sign in are parsed
// and checked but otherwise ignored; a true --force-refresh or
// --force-new-creds is never served here.
func commandFlag(kind, name string) (flagKind, bool) {
	switch name {
	case "format":
		return flagString, true
	case "non-interactive":
		return flagBool, true
	}
	switch kind {
	case kindIAM:
		switch name {
		case "policy":
			return flagString, true
		case "policy-arn":
			return flagStringArray, true
		case "refresh-margin", "timeout":
			return flagDuration, true
		case "force-refresh", "no-browser", "device":
			return flagBool, true
		}
	case kindS3AG:
		switch name {
		case "permission", "account-id", "target-type", "privilege":
			return flagString, true
		case "duration-seconds":
			return flagInt32, true
		case "force-new-creds":
			return flagBool, true
		}
	}
	return 0, false
}

// parse reads args the way tip-cli's cobra tree would for the two served
// commands and reports ok=false for anything it is not sure of: other
// commands, unknown or malformed flags, --debug, --help, "--", a value
// that looks like a flag. Whatever it rejects is handed to tip-cli, so
// being strict only costs speed, never correctness.
func parse(args []string, getenv func(string) string) (request, bool) {
	r := request{profile: getenv("TIP_CLI_PROFILE"), format: "process", permission: "READ", privilege: "Default"}
	if r.profile == "" {
		r.profile = "default"
	}
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			words = append(words, a)
			if len(words) == 2 {
				r.kind = words[0] + " " + words[1]
				if r.kind != kindIAM && r.kind != kindS3AG {
					return r, false
				}
			}
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || name == "" {
			return r, false // short flags (-h, -v) and "--"
		}
		kind, known := flagKindOf(r.kind, len(words), name)
		if !known {
			return r, false
		}
		if !hasValue && kind != flagBool {
			if i+1 >= len(args) || strings.HasPrefix(args[i+1], "-") {
				return r, false
			}
			i++
			value = args[i]
		} else if !hasValue {
			value = "true"
		}
		if !r.set(name, kind, value) {
			return r, false
		}
	}
	switch {
	case r.kind == kindIAM && len(words) == 2:
	case r.kind == kindS3AG && len(words) == 3:
		r.target = words[2]
	default:
		return r, false
	}
	return r, r.profile != ""
}

// flagKindOf finds a flag: --profile anywhere, a command's flags only after
// both command words (cobra would misread them before).
func flagKindOf(kind string, words int, name string) (flagKind, bool) {
	if name == "profile" {
		return flagString, true
	}
	if words < 2 {
		return 0, false
	}
	return commandFlag(kind, name)
}

// set stores one flag value, parsed as pflag would; false means tip-cli
// would reject it or must handle it.
func (r *request) set(name string, kind flagKind, value string) bool {
	switch kind {
	case flagBool:
		b, err := strconv.ParseBool(value)
		// A forced refresh is the full command's job.
		return err == nil && !(b && (name == "force-refresh" || name == "force-new-creds"))
	case flagDuration:
		d, err := time.ParseDuration(value)
		if err == nil && name == "refresh-margin" {
			r.margin = d
		}
		return err == nil
	case flagInt32:
		n, err := strconv.ParseInt(value, 0, 32)
		r.durationSeconds = int32(n)
		return err == nil
	case flagStringArray:
		r.policyARNs = append(r.policyARNs, value)
		return true
	}
	p, ok := r.stringFlag(name)
	if ok {
		*p = value
	}
	return ok
}

// stringFlag returns where a string flag's value goes.
func (r *request) stringFlag(name string) (*string, bool) {
	p, ok := map[string]*string{
		"profile": &r.profile, "format": &r.format, "policy": &r.policy,
		"permission": &r.permission, "account-id": &r.accountID,
		"target-type": &r.targetType, "privilege": &r.privilege,
	}[name]
	return p, ok
}
