package awsconfig

import (
	"regexp"
	"strings"
)

// iniSection is what a configparser-style reader sees of one section.
type iniSection struct {
	name   string            // text between the brackets, untouched
	offset int               // byte offset of the header line
	values map[string]string // lower-cased keys; continuation lines joined by "\n"
}

var (
	oracleHeaderRE = regexp.MustCompile(`^\[(.+)\]`)
	oracleOptionRE = regexp.MustCompile(`^(.*?)\s*[=:]\s*(.*)$`)
)

// readINI is an independent, test-only port of Python's configparser
// reading loop (RawConfigParser defaults: '#'/';' full-line comments,
// empty lines inside values, '=' or ':' delimiters), used as the oracle for
// what botocore reads. Options before any header go to a section named "".
// Trailing empty value lines are dropped as configparser does.
func readINI(data string) []iniSection {
	secs := []iniSection{{name: "", offset: 0, values: map[string]string{}}}
	cur := &secs[0]
	var opt string
	var val []string
	flush := func() {
		if opt != "" {
			for len(val) > 1 && val[len(val)-1] == "" {
				val = val[:len(val)-1]
			}
			cur.values[opt] = strings.Join(val, "\n")
		}
		opt, val = "", nil
	}
	indentLevel := 0
	offset := 0
	for _, raw := range strings.SplitAfter(data, "\n") {
		lineOffset := offset
		offset += len(raw)
		l := strings.TrimSuffix(strings.TrimSuffix(raw, "\n"), "\r")
		stripped := strings.Trim(l, " \t\r\v\f")
		if stripped == "" || strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";") {
			if stripped == "" && opt != "" {
				val = append(val, "")
			}
			continue
		}
		cur0 := len(l) - len(strings.TrimLeft(l, " \t\v\f\r"))
		if opt != "" && cur0 > indentLevel {
			val = append(val, stripped)
			continue
		}
		indentLevel = cur0
		if m := oracleHeaderRE.FindStringSubmatch(stripped); m != nil {
			flush()
			secs = append(secs, iniSection{name: m[1], offset: lineOffset, values: map[string]string{}})
			cur = &secs[len(secs)-1]
			continue
		}
		flush()
		if m := oracleOptionRE.FindStringSubmatch(stripped); m != nil {
			opt, val = strings.ToLower(strings.TrimRight(m[1], " \t\v\f\r")), []string{strings.Trim(m[2], " \t\v\f\r")}
		} else {
			opt, val = strings.ToLower(stripped), []string{""}
		}
		if opt == "" {
			opt = "\x00empty" // configparser rejects these; keep them visible
		}
	}
	flush()
	return secs
}

// profileOf returns the profile a section name stands for ("" if none),
// as botocore's build_profile_map does for simple names.
func profileOf(name string) string {
	f := strings.Fields(name)
	switch {
	case len(f) == 1 && f[0] == "default":
		return "default"
	case len(f) == 2 && f[0] == "profile":
		return f[1]
	}
	return ""
}
