package awsconfig

import (
	"maps"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzable reports whether the oracle models data: no lone CR (a line
// break to Python, not to us), no non-ASCII or control whitespace beyond
// " \t\v\f\r\n", and no section named twice.
func fuzzable(data string) bool {
	if strings.Contains(strings.ReplaceAll(data, "\r\n", ""), "\r") || !utf8.ValidString(data) {
		return false
	}
	for _, r := range data {
		if unicode.IsSpace(r) && !strings.ContainsRune(" \t\v\f\r\n", r) || r >= 0x1c && r <= 0x1f {
			return false
		}
	}
	seen := map[string]bool{}
	for _, s := range readINI(data)[1:] {
		key := strings.Join(strings.Fields(s.name), " ")
		if p := profileOf(s.name); p != "" {
			key = "profile " + p
		}
		if seen[key] {
			return false
		}
		seen[key] = true
	}
	return true
}

// FuzzSetProfile checks that SetProfile never changes what a reader sees
// in any other section, keeps the bytes before the edited section and from
// the next section on, sets the value, and is idempotent.
func FuzzSetProfile(f *testing.F) {
	f.Add(richConfig, "tip", "credential_process", "/bin/tip-cli auth get-iam-credentials")
	f.Add(richConfig, "default", "region", "us-east-2")
	f.Add(richConfig, "new", "region", "x")
	f.Add("[profile tip]\r\nregion = a\r\n", "tip", "output", "json")
	f.Add("[profile tip]\nkey = a\n  b\n\n  c\n# x\n[profile y]\n", "tip", "key", "v")
	f.Add("x = 1\n[profile tip]", "tip", "a", "")
	f.Add("[default]\n  region=a\n[profile default2]\n", "default", "a", "b")
	f.Add("0\n", "0", "0", "\v00")
	f.Add("[profile tip]\n    region = a\n  output = json\n", "tip", "region", "b")
	f.Add("[profile tip]\n  [profile y]\nk = v\n", "tip", "region", "b")
	f.Add("[profile tip]\n\t\tk = v\n\t[profile y]\n", "tip", "region", "b")
	f.Fuzz(func(t *testing.T, data, name, key, value string) {
		if !fuzzable(data) {
			t.Skip()
		}
		settings := []KV{{key, value}}
		if ValidateProfileName(name) != nil || validateSettings(settings) != nil {
			t.Skip()
		}
		out, _, err := setSectionData(data, configLayout(name), settings)
		if err != nil {
			t.Fatalf("setSectionData: %v\n%q", err, data)
		}
		checkOthersUntouched(t, data, out, name)
		checkTarget(t, data, out, name, key, value)
		if again, created, err := setSectionData(out, configLayout(name), settings); again != out || created || err != nil {
			t.Fatalf("not idempotent (created=%v, %v):\n%q\n%q", created, err, out, again)
		}
	})
}

func targetIndex(secs []iniSection, name string) int {
	for i, s := range secs[1:] {
		if p := profileOf(s.name); p == name && (name != "default" || strings.Fields(s.name)[0] == "default") {
			return i + 1
		}
	}
	if name == "default" {
		for i, s := range secs[1:] {
			if profileOf(s.name) == name {
				return i + 1
			}
		}
	}
	return -1
}

func checkOthersUntouched(t *testing.T, before, after, name string) {
	t.Helper()
	b, a := readINI(before), readINI(after)
	bt, at := targetIndex(b, name), targetIndex(a, name)
	if at < 0 {
		t.Fatalf("profile %q missing after SetProfile:\n%q", name, after)
	}
	var others []iniSection
	for i, s := range b {
		if i != bt {
			others = append(others, s)
		}
	}
	var othersAfter []iniSection
	for i, s := range a {
		if i != at {
			othersAfter = append(othersAfter, s)
		}
	}
	if len(others) != len(othersAfter) {
		t.Fatalf("sections %d → %d:\n%q\n%q", len(others), len(othersAfter), before, after)
	}
	for i := range others {
		if others[i].name != othersAfter[i].name || !maps.Equal(others[i].values, othersAfter[i].values) {
			t.Fatalf("section %q changed: %v → %v\n%q\n%q", others[i].name, others[i].values, othersAfter[i].values, before, after)
		}
	}
	// Byte level: everything before the edited section and from the next
	// section on is unchanged.
	if bt < 0 {
		if !strings.HasPrefix(after, before) {
			t.Fatalf("existing content not kept as prefix:\n%q\n%q", before, after)
		}
		return
	}
	if !strings.HasPrefix(after, before[:b[bt].offset]) {
		t.Fatalf("bytes before the section changed:\n%q\n%q", before, after)
	}
	if bt+1 < len(b) && !strings.HasSuffix(after, before[b[bt+1].offset:]) {
		t.Fatalf("bytes after the section changed:\n%q\n%q", before, after)
	}
}

func checkTarget(t *testing.T, before, after, name, key, value string) {
	t.Helper()
	b, a := readINI(before), readINI(after)
	at := targetIndex(a, name)
	got := a[at].values
	if v := got[strings.ToLower(key)]; v != strings.Trim(value, " \t\v\f\r") {
		t.Fatalf("%s = %q, want %q\n%q", key, v, value, after)
	}
	if bt := targetIndex(b, name); bt >= 0 {
		want := maps.Clone(b[bt].values)
		want[strings.ToLower(key)] = got[strings.ToLower(key)]
		if !maps.Equal(want, got) {
			t.Fatalf("other keys of the profile changed: %v → %v\n%q", b[bt].values, got, after)
		}
	}
}
