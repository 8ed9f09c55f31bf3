package awsconfig

import (
	"slices"
	"strings"
)

// line is one physical line of the file: its text without the line ending,
// and the ending itself ("\n", "\r\n", or "" for a last line without one).
// A lone "\r" is not a line break.
type line struct {
	text string
	eol  string
}

// kind classifies a line the way Python's configparser (which botocore
// uses) reads it.
type kind int

const (
	kindBlank kind = iota
	kindComment
	kindHeader
	kindOption
	kindContinuation // more indented than the option above: part of its value
)

func splitLines(data string) []line {
	var out []line
	for data != "" {
		i := strings.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, line{text: data})
			break
		}
		l := line{text: data[:i], eol: "\n"}
		if strings.HasSuffix(l.text, "\r") {
			l.text, l.eol = l.text[:len(l.text)-1], "\r\n"
		}
		out = append(out, l)
		data = data[i+1:]
	}
	return out
}

func joinLines(lines []line) []byte {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.text)
		b.WriteString(l.eol)
	}
	return []byte(b.String())
}

// newline returns the file's line ending: that of its first line, else "\n".
func newline(lines []line) string {
	if len(lines) > 0 && lines[0].eol != "" {
		return lines[0].eol
	}
	return "\n"
}

// space is the whitespace configparser strips and counts as indentation
// (its Unicode extras are not supported).
const space = " \t\v\f\r"

func indent(s string) int {
	return len(s) - len(strings.TrimLeft(s, space))
}

// classify mirrors configparser: a non-blank, non-comment line indented
// deeper than the current option continues that option's value (blank and
// comment lines do not end it); otherwise it is a header or an option.
func classify(lines []line) []kind {
	kinds := make([]kind, len(lines))
	level, inOption := 0, false
	for i, l := range lines {
		trimmed := strings.Trim(l.text, space)
		switch {
		case trimmed == "":
			kinds[i] = kindBlank
		case trimmed[0] == '#' || trimmed[0] == ';':
			kinds[i] = kindComment
		case inOption && indent(l.text) > level:
			kinds[i] = kindContinuation
		default:
			level = indent(l.text)
			if _, ok := headerName(trimmed); ok {
				kinds[i], inOption = kindHeader, false
			} else {
				kinds[i], inOption = kindOption, true
			}
		}
	}
	return kinds
}

// headerName returns the text between '[' and the last ']' of a trimmed
// header line (configparser's `\[(?P<header>.+)\]`).
func headerName(trimmed string) (string, bool) {
	end := strings.LastIndexByte(trimmed, ']')
	if !strings.HasPrefix(trimmed, "[") || end < 2 {
		return "", false
	}
	return trimmed[1:end], true
}

// optionKey returns the lower-cased key of an option line: the text before
// the first '=' or ':' (configparser lower-cases option names).
func optionKey(text string) string {
	if i := strings.IndexAny(text, "=:"); i >= 0 {
		text = text[:i]
	}
	return strings.ToLower(strings.Trim(text, space))
}

// optionValue returns the value of an option line without surrounding
// whitespace.
func optionValue(text string) string {
	i := strings.IndexAny(text, "=:")
	if i < 0 {
		return ""
	}
	return strings.Trim(text[i+1:], space)
}

// section is the extent of one section: its header line, the index just
// past its last option or continuation line (insertion point), and the
// next header (or the end of the file). Blank and comment lines between
// last and end are left to the next section.
type section struct {
	header, last, end int
}

// findSection locates the first section whose header's words are one of
// wants, trying them in order (layout.wants).
func findSection(lines []line, kinds []kind, wants [][]string) (section, bool) {
	for _, want := range wants {
		for i, k := range kinds {
			if k != kindHeader {
				continue
			}
			h, _ := headerName(strings.Trim(lines[i].text, space))
			if slices.Equal(strings.Fields(h), want) {
				return sectionAt(kinds, i), true
			}
		}
	}
	return section{}, false
}

func sectionAt(kinds []kind, header int) section {
	s := section{header: header, last: header + 1, end: len(kinds)}
	for i := header + 1; i < len(kinds); i++ {
		switch kinds[i] {
		case kindHeader:
			s.end = i
			return s
		case kindOption, kindContinuation:
			s.last = i + 1
		}
	}
	return s
}

// optionBlock returns the index just past the option at i together with
// its continuation lines (and any blank or comment lines between them).
func optionBlock(kinds []kind, i, end int) int {
	last := i
	for j := i + 1; j < end; j++ {
		switch kinds[j] {
		case kindContinuation:
			last = j
		case kindBlank, kindComment:
		default:
			return last + 1
		}
	}
	return last + 1
}

func isBlank(l line) bool {
	return strings.Trim(l.text, space) == ""
}
