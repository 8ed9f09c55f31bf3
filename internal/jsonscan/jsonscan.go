// Package jsonscan reads the small JSON documents of the warm credential
// path (config.json, the served part of a file-store bundle, a sealed
// file's envelope and served section) without
// encoding/json's reflection. In a process that lives for 2 ms,
// encoding/json's first decode of a type dominates: it builds its field
// caches, sorts fields, parses tags and grows the goroutine stack
// (≈ 1 M instructions for config.json and a bundle, issue #23).
//
// It reads a plain subset only and gives up (ok=false) on anything else:
// null, duplicate keys, an escaped surrogate, invalid UTF-8, a number that
// is not a small integer, nesting deeper than maxDepth, a syntax error.
// The callers then decode the same bytes with encoding/json, which decides
// and words any error, so a document decodes either to exactly what
// encoding/json gives or not at all here; the callers' tests compare the
// two field by field.
package jsonscan

import (
	"encoding/base64"
	"slices"
	"unicode/utf8"
)

// maxDepth bounds the nesting Skip follows (encoding/json allows 10,000;
// deeper documents are handed back to it).
const maxDepth = 64

// Scanner reads one JSON document from the start.
type Scanner struct {
	data []byte
	pos  int
	// keys holds the keys of the objects being read, innermost last, to
	// find a duplicate (one slice for all: a buffer in each Object's frame
	// made the goroutine stack grow, a copy of every frame).
	keys []string
}

// New returns a Scanner over data.
func New(data []byte) *Scanner { return &Scanner{data: data, keys: make([]string, 0, 32)} }

// ws skips JSON white space.
func (s *Scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// eat consumes c (after white space) if it comes next.
func (s *Scanner) eat(c byte) bool {
	s.ws()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// End reports whether only white space is left.
func (s *Scanner) End() bool {
	s.ws()
	return s.pos == len(s.data)
}

// Object reads an object, calling member with each key (unescaped); member
// reads the value and returns false to give up. A key seen twice gives up
// (encoding/json's merge rules for duplicates are not worth copying).
func (s *Scanner) Object(member func(key string) bool) bool {
	if !s.eat('{') {
		return false
	}
	if s.eat('}') {
		return true
	}
	outer := len(s.keys)
	defer func() { s.keys = s.keys[:outer] }()
	for {
		key, ok := s.String()
		if !ok || slices.Contains(s.keys[outer:], key) || !s.eat(':') {
			return false
		}
		s.keys = append(s.keys, key)
		if !member(key) {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat('}')
	}
}

// Array reads an array, calling elem for each element; elem reads it and
// returns false to give up.
func (s *Scanner) Array(elem func() bool) bool {
	if !s.eat('[') {
		return false
	}
	if s.eat(']') {
		return true
	}
	for {
		if !elem() {
			return false
		}
		if s.eat(',') {
			continue
		}
		return s.eat(']')
	}
}

// Strings reads an array of strings; [] gives an empty, non-nil slice, as
// encoding/json does.
func (s *Scanner) Strings() ([]string, bool) {
	out := []string{}
	ok := s.Array(func() bool {
		v, ok := s.String()
		out = append(out, v)
		return ok
	})
	return out, ok
}

// String reads a string and returns it unescaped.
func (s *Scanner) String() (string, bool) {
	lit, escaped, ok := s.stringLiteral()
	if !ok {
		return "", false
	}
	body := lit[1 : len(lit)-1]
	if !escaped {
		return string(body), true
	}
	return unescape(body)
}

// StringTo reads a string into *dst.
func (s *Scanner) StringTo(dst *string) bool {
	v, ok := s.String()
	*dst = v
	return ok
}

// Bytes reads a string as encoding/json reads one into a []byte: the
// unescaped string decoded with base64.StdEncoding (padded, \r and \n
// skipped); "" gives an empty, non-nil slice. Invalid base64 gives up
// (encoding/json refuses the document).
func (s *Scanner) Bytes() ([]byte, bool) {
	lit, escaped, ok := s.stringLiteral()
	if !ok {
		return nil, false
	}
	body := lit[1 : len(lit)-1]
	if escaped {
		v, ok := unescape(body)
		if !ok {
			return nil, false
		}
		body = []byte(v)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(body)))
	n, err := base64.StdEncoding.Decode(out, body)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

// RawString reads a string and returns its literal, quotes and escapes
// included: what encoding/json hands to an UnmarshalJSON method (time.Time).
func (s *Scanner) RawString() ([]byte, bool) {
	lit, _, ok := s.stringLiteral()
	return lit, ok
}

// Int reads an integer of at most 9 digits (so that it fits an int on
// every platform, as encoding/json would check); a fraction or exponent
// gives up (encoding/json refuses it for an int).
func (s *Scanner) Int() (int, bool) {
	s.ws()
	i := s.pos
	neg := i < len(s.data) && s.data[i] == '-'
	if neg {
		i++
	}
	start, n := i, 0
	for i < len(s.data) && s.data[i] >= '0' && s.data[i] <= '9' {
		n = n*10 + int(s.data[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 9 || (digits > 1 && s.data[start] == '0') {
		return 0, false
	}
	if i < len(s.data) && (s.data[i] == '.' || s.data[i] == 'e' || s.data[i] == 'E') {
		return 0, false
	}
	s.pos = i
	if neg {
		n = -n
	}
	return n, true
}

// Skip reads any value, checking its syntax as encoding/json would
// (which refuses a whole document with a syntax error anywhere in it).
func (s *Scanner) Skip() bool { return s.skip(0) }

func (s *Scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	s.ws()
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.Object(func(string) bool { return s.skip(depth + 1) })
	case c == '[':
		return s.Array(func() bool { return s.skip(depth + 1) })
	case c == '"':
		_, _, ok := s.stringLiteral()
		return ok
	case c == 't':
		return s.word("true")
	case c == 'f':
		return s.word("false")
	case c == 'n':
		return s.word("null")
	default:
		return s.number()
	}
}

func (s *Scanner) word(w string) bool {
	if len(s.data)-s.pos < len(w) || string(s.data[s.pos:s.pos+len(w)]) != w {
		return false
	}
	s.pos += len(w)
	return true
}

// number reads a JSON number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) number() bool {
	d, i := s.data, s.pos
	digits := func() int {
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	if n := digits(); n == 0 || (n > 1 && d[i-n] == '0') {
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	s.pos = i
	return true
}

// stringLiteral reads a string literal and returns it with its quotes,
// whether it holds escapes, and false for a malformed literal, a control
// character or invalid UTF-8.
func (s *Scanner) stringLiteral() (lit []byte, escaped, ok bool) {
	s.ws()
	d, start := s.data, s.pos
	if start >= len(d) || d[start] != '"' {
		return nil, false, false
	}
	for i := start + 1; i < len(d); {
		c := d[i]
		switch {
		case c == '"':
			s.pos = i + 1
			return d[start : i+1], escaped, true
		case c < 0x20:
			return nil, false, false
		case c == '\\':
			escaped = true
			if i+1 >= len(d) {
				return nil, false, false
			}
			switch d[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if _, ok := hex4(d[i+2:]); !ok {
					return nil, false, false
				}
				i += 6
			default:
				return nil, false, false
			}
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false, false
			}
			i += size
		}
	}
	return nil, false, false
}

// unescape decodes the escapes of a checked literal's body; an escaped
// surrogate (a pair, or encoding/json's replacement of a lone one) gives up.
func unescape(body []byte) (string, bool) {
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		switch body[i] {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, _ := hex4(body[i+1:])
			if r >= 0xd800 && r < 0xe000 {
				return "", false
			}
			out = utf8.AppendRune(out, r)
			i += 4
		default: // '"', '\\', '/'
			out = append(out, body[i])
		}
	}
	return string(out), true
}

// hex4 decodes the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
