package s3ag

import (
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	long := "s3://bkt/" + strings.Repeat("k", MaxURILength-len("s3://bkt/"))
	tests := []struct {
		in      string
		want    URI
		wantErr string
	}{
		{in: "s3://bucket", want: URI{Bucket: "bucket"}},
		{in: "s3://bucket/", want: URI{Bucket: "bucket"}},
		{in: "s3://bucket/*", want: URI{Bucket: "bucket", Key: "*"}},
		{in: "s3://bucket/prefix/", want: URI{Bucket: "bucket", Key: "prefix/"}},
		{in: "s3://bucket/prefix/*", want: URI{Bucket: "bucket", Key: "prefix/*"}},
		{in: "s3://my.bucket-1/a/b c/ü.txt", want: URI{Bucket: "my.bucket-1", Key: "a/b c/ü.txt"}},
		{in: "s3://abc//double", want: URI{Bucket: "abc", Key: "/double"}},
		{in: "s3://123/x", want: URI{Bucket: "123", Key: "x"}},
		{in: "s3://1.2.3/x", want: URI{Bucket: "1.2.3", Key: "x"}},
		{in: long, want: URI{Bucket: "bkt", Key: long[len("s3://bkt/"):]}},
		{in: "x", wantErr: `invalid S3 URI "x": must start with s3://`},
		{in: "", wantErr: `invalid S3 URI "": must start with s3://`},
		{in: "S3://bucket/k", wantErr: "must start with s3://"},
		{in: "s3:/bucket/k", wantErr: "must start with s3://"},
		{in: "https://bucket/k", wantErr: "must start with s3://"},
		{in: "s3://", wantErr: "missing bucket name"},
		{in: "s3:///key", wantErr: "missing bucket name"},
		{in: "s3://ab", wantErr: "must be 3-63 characters"},
		{in: "s3://" + strings.Repeat("a", 64), wantErr: "must be 3-63 characters"},
		{in: "s3://Bucket/k", wantErr: "only lowercase letters"},
		{in: "s3://buc_ket/k", wantErr: "only lowercase letters"},
		{in: "s3://-bucket/k", wantErr: "must start and end with a letter or digit"},
		{in: "s3://bucket./k", wantErr: "must start and end with a letter or digit"},
		{in: "s3://a..b/k", wantErr: "two adjacent dots"},
		{in: "s3://192.168.5.4/k", wantErr: "IP address"},
		{in: "s3://bucket/a\nb", wantErr: "control characters"},
		{in: "s3://bucket/a\x7fb", wantErr: "control characters"},
		{in: "s3://bucket/a\u0085b", wantErr: "control characters"},
		{in: "s3://bucket/\xff", wantErr: "valid UTF-8"},
		{in: long + "k", wantErr: "longer than 2000 characters"},
	}
	for _, tt := range tests {
		got, err := ParseURI(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseURI(%.40q) error = %v, want containing %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseURI(%.40q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestURIString(t *testing.T) {
	for in, want := range map[string]string{
		"s3://bucket":      "s3://bucket",
		"s3://bucket/":     "s3://bucket",
		"s3://bucket/k/*":  "s3://bucket/k/*",
		"s3://bucket/k/":   "s3://bucket/k/",
		"s3://bucket//k/x": "s3://bucket//k/x",
	} {
		u, err := ParseURI(in)
		if err != nil {
			t.Fatalf("ParseURI(%q): %v", in, err)
		}
		if got := u.String(); got != want {
			t.Errorf("ParseURI(%q).String() = %q, want %q", in, got, want)
		}
	}
}

func TestParsePermission(t *testing.T) {
	for in, want := range map[string]Permission{
		"READ": PermissionRead, "read": PermissionRead, "Write": PermissionWrite,
		"READWRITE": PermissionReadWrite, "readWrite": PermissionReadWrite,
	} {
		if got, err := ParsePermission(in); err != nil || got != want {
			t.Errorf("ParsePermission(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "READ_WRITE", "RW", " READ", "ALL"} {
		if _, err := ParsePermission(in); err == nil || !strings.Contains(err.Error(), "must be READ, WRITE or READWRITE") {
			t.Errorf("ParsePermission(%q) error = %v", in, err)
		}
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		granted, wanted Permission
		want            bool
	}{
		{PermissionRead, PermissionRead, true},
		{PermissionWrite, PermissionWrite, true},
		{PermissionReadWrite, PermissionReadWrite, true},
		{PermissionReadWrite, PermissionRead, true},
		{PermissionReadWrite, PermissionWrite, true},
		{PermissionRead, PermissionWrite, false},
		{PermissionWrite, PermissionRead, false},
		{PermissionRead, PermissionReadWrite, false},
		{PermissionWrite, PermissionReadWrite, false},
		{PermissionReadWrite, "", false},
		{PermissionReadWrite, "read", false},
		{"", "", false},
		{"X", "X", false},
	}
	for _, tt := range tests {
		if got := Covers(tt.granted, tt.wanted); got != tt.want {
			t.Errorf("Covers(%q, %q) = %v, want %v", tt.granted, tt.wanted, got, tt.want)
		}
	}
}

func TestParsePrivilege(t *testing.T) {
	for in, want := range map[string]Privilege{
		"Default": PrivilegeDefault, "default": PrivilegeDefault, "MINIMAL": PrivilegeMinimal, "Minimal": PrivilegeMinimal,
	} {
		if got, err := ParsePrivilege(in); err != nil || got != want {
			t.Errorf("ParsePrivilege(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "min", "Full"} {
		if _, err := ParsePrivilege(in); err == nil {
			t.Errorf("ParsePrivilege(%q) succeeded", in)
		}
	}
}

func TestParseTargetType(t *testing.T) {
	tests := []struct {
		tt, uri string
		want    string
		wantErr bool
	}{
		{"", "s3://bucket", "", false},
		{"", "s3://bucket/p/", "", false},
		{"Object", "s3://bucket/p/o.txt", "Object", false},
		{"object", "s3://bucket/o", "Object", false},
		{"Object", "s3://bucket", "", true},
		{"Object", "s3://bucket/", "", true},
		{"Object", "s3://bucket/p/", "", true},
		{"Prefix", "s3://bucket/p", "", true},
	}
	for _, tt := range tests {
		u, err := ParseURI(tt.uri)
		if err != nil {
			t.Fatal(err)
		}
		got, err := ParseTargetType(tt.tt, u)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseTargetType(%q, %s) = %q, %v; want %q, err %v", tt.tt, tt.uri, got, err, tt.want, tt.wantErr)
		}
	}
}
