package awsconfig

import (
	"errors"
	"slices"
	"strings"
)

// errIndentation reports an edit that would change how lines outside the
// profile's section are read (an unusually indented next section).
var errIndentation = errors.New("the edit would change how the following section is read (unusual indentation); edit the file by hand")

// layout is how a shared file names a profile's section: the config file
// "[profile NAME]" (and "[default]"), the credentials file "[NAME]".
type layout struct {
	header string     // the header of a new section
	wants  [][]string // the header words naming the profile, preferred first
}

// configLayout: for "default" both "[default]" and "[profile default]"
// count, the former first.
func configLayout(name string) layout {
	if name == defaultProfile {
		return layout{ProfileSection(name), [][]string{{defaultProfile}, {"profile", defaultProfile}}}
	}
	return layout{ProfileSection(name), [][]string{{"profile", name}}}
}

// credentialsLayout: botocore and the SDKs read "[NAME]" in the
// credentials file ("[profile NAME]" there is a profile named "profile
// NAME").
func credentialsLayout(name string) layout {
	return layout{"[" + name + "]", [][]string{{name}}}
}

// setSectionData writes settings into the section l names.
func setSectionData(data string, l layout, settings []KV) (string, bool, error) {
	lines := splitLines(data)
	kinds := classify(lines)
	s, found := findSection(lines, kinds, l.wants)
	if !found {
		lines = appendSection(lines, l.header)
	}
	for _, kv := range settings {
		lines = setOption(lines, l.wants, kv)
	}
	if found && !sameTail(kinds, s.end, lines) {
		return "", false, errIndentation
	}
	return string(joinLines(lines)), !found, nil
}

// sameTail reports whether the lines from oldKinds[from:] on, now at the
// end of lines, are still classified the same: an edit above them must not
// turn a header or option into a continuation line.
func sameTail(oldKinds []kind, from int, lines []line) bool {
	n := len(oldKinds) - from
	return slices.Equal(oldKinds[from:], classify(lines)[len(lines)-n:])
}

func leadingSpace(s string) string {
	return s[:indent(s)]
}

// appendSection adds an empty section at the end, after a blank line.
func appendSection(lines []line, header string) []line {
	nl := newline(lines)
	if n := len(lines); n > 0 {
		if lines[n-1].eol == "" {
			lines[n-1].eol = nl
		}
		if !isBlank(lines[n-1]) {
			lines = append(lines, line{eol: nl})
		}
	}
	return append(lines, line{text: header, eol: nl})
}

// setOption replaces the first occurrence of kv.Key in the section (and
// drops later duplicates) or appends it after the section's last setting.
// Written lines take the indentation of the line they replace, or of the
// section's last setting, so that no neighbouring line changes meaning.
func setOption(lines []line, wants [][]string, kv KV) []line {
	kinds := classify(lines)
	s, _ := findSection(lines, kinds, wants)
	key := strings.ToLower(kv.Key)
	found := false
	// Backwards, so that edits never shift the lines still to be visited.
	for i := s.end - 1; i > s.header; i-- {
		if kinds[i] != kindOption || optionKey(lines[i].text) != key {
			continue
		}
		blockEnd := optionBlock(kinds, i, s.end)
		if hasKeyBefore(lines, kinds, s.header+1, i, key) { // a duplicate
			lines = slices.Delete(lines, i, blockEnd)
			continue
		}
		found = true
		if blockEnd == i+1 && optionValue(lines[i].text) == kv.Value {
			continue // already set: keep the user's formatting
		}
		text := leadingSpace(lines[i].text) + formatOption(kv)
		lines = slices.Replace(lines, i, blockEnd, line{text: text, eol: lines[blockEnd-1].eol})
	}
	if found {
		return lines
	}
	nl := newline(lines)
	at := s.last
	if lines[at-1].eol == "" {
		lines[at-1].eol = nl
	}
	text := insertIndent(lines, kinds, s) + formatOption(kv)
	return slices.Insert(lines, at, line{text: text, eol: nl})
}

// insertIndent is the indentation of the section's last option, or, in a
// section without options, that of the next section's header.
func insertIndent(lines []line, kinds []kind, s section) string {
	for i := s.last - 1; i > s.header; i-- {
		if kinds[i] == kindOption {
			return leadingSpace(lines[i].text)
		}
	}
	if s.end < len(lines) {
		return leadingSpace(lines[s.end].text)
	}
	return ""
}

func hasKeyBefore(lines []line, kinds []kind, from, to int, key string) bool {
	for j := from; j < to; j++ {
		if kinds[j] == kindOption && optionKey(lines[j].text) == key {
			return true
		}
	}
	return false
}

func formatOption(kv KV) string {
	return kv.Key + " = " + kv.Value
}
