package config

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ValidateProfileName refuses a profile name that would act on a terminal
// or forge output when printed: a control character (C0 such as ESC and
// newline, DEL, C1 such as CSI), a format character (bidirectional
// overrides) or bytes that are not UTF-8; and the empty name. The error
// shows the name escaped.
func ValidateProfileName(name string) error {
	if name == "" {
		return fmt.Errorf("profile name is empty")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("profile name %q is not valid UTF-8", name)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("profile name %q contains the control character %U: use printable characters", name, r)
		}
	}
	return nil
}
