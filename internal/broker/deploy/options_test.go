package deploy

import (
	"strings"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn/cfntest"
)

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantErr string // "" = valid
	}{
		{"zero", Options{}, ""},
		{"custom", customOpts(), ""},
		{"bucket without key", Options{CodeS3Bucket: "bucket"}, "set both"},
		{"key without bucket", Options{CodeS3Key: "k.zip"}, "set both"},
		{"bad bucket", Options{CodeS3Bucket: "Bad_Bucket", CodeS3Key: "k"}, "bad code bucket"},
		{"short bucket", Options{CodeS3Bucket: "ab", CodeS3Key: "k"}, "bad code bucket"},
		{"control in key", Options{CodeS3Bucket: "bucket", CodeS3Key: "a\nb"}, "bad code key"},
		{"long key", Options{CodeS3Bucket: "bucket", CodeS3Key: strings.Repeat("k", 1025)}, "bad code key"},
		{"table ok", Options{TableName: "a.b-c_d"}, ""},
		{"table short", Options{TableName: "ab"}, "bad table name"},
		{"table chars", Options{TableName: "a b c"}, "bad table name"},
		{"arch x86", Options{Architecture: archX8664}, ""},
		{"arch bad", Options{Architecture: "amd64"}, "bad architecture"},
		{"memory low", Options{MemorySize: 64}, "bad memory size"},
		{"memory high", Options{MemorySize: 10241}, "bad memory size"},
		{"memory max", Options{MemorySize: 10240}, ""},
		{"stage bad", Options{Stage: "prod/v1"}, "bad stage name"},
		{"stage long", Options{Stage: strings.Repeat("s", 129)}, "bad stage name"},
		{"rate negative", Options{ThrottleRate: -1}, "bad throttle rate"},
		{"rate high", Options{ThrottleRate: 10001}, "bad throttle rate"},
		{"burst negative", Options{ThrottleBurst: -1}, "bad throttle burst"},
		{"burst high", Options{ThrottleBurst: 5001}, "bad throttle burst"},
		{"account bad", Options{AllowedAccountIDs: []string{"12345"}}, "bad allowed account id"},
		{"account wildcard", Options{AllowedAccountIDs: []string{"*"}}, "bad allowed account id"},
		{"account twice", Options{AllowedAccountIDs: []string{"111122223333", "111122223333"}}, "listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Template(tt.opts)
			if tt.wantErr == "" {
				if err != nil || d == nil {
					t.Fatalf("Template: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestDefaultsApplied(t *testing.T) {
	res := parse(t, Options{})["Resources"].(map[string]any)
	if cfntest.Get(t, res, logicalStage, "Properties", "StageName") != defaultStage {
		t.Error("default stage")
	}
	ms := cfntest.Get(t, res, logicalStage, "Properties", "MethodSettings", 0)
	if cfntest.Get(t, ms, "ThrottlingBurstLimit") != DefaultThrottleBurst || cfntest.Get(t, ms, "ThrottlingRateLimit") != int(DefaultThrottleRate) {
		t.Errorf("default throttling = %v", ms)
	}
}

// FuzzTemplate: any options give an error or a template that encodes,
// parses back and keeps every method behind AWS_IAM.
func FuzzTemplate(f *testing.F) {
	f.Add("bucket", "key.zip", "", "arm64", 0, "prod", 0.0, 0, "")
	f.Add("", "", "tbl", "x86_64", 512, "v1", 20.5, 40, "111122223333")
	f.Fuzz(func(t *testing.T, bucket, key, table, arch string, mem int, stage string, rate float64, burst int, account string) {
		o := Options{CodeS3Bucket: bucket, CodeS3Key: key, TableName: table, Architecture: arch,
			MemorySize: mem, Stage: stage, ThrottleRate: rate, ThrottleBurst: burst}
		if account != "" {
			o.AllowedAccountIDs = []string{account}
		}
		d, err := Template(o)
		if err != nil {
			return
		}
		if _, err := d.JSON(); err != nil {
			t.Fatal(err)
		}
		m := cfntest.ParseYAML(t, d)
		n := 0
		cfntest.Walk(m, func(key string, v any) {
			if key == "AuthorizationType" && v == "AWS_IAM" {
				n++
			}
		})
		if n != 4 {
			t.Fatalf("%d methods with AWS_IAM, want 4", n)
		}
		cfntest.CheckRefs(t, m)
	})
}
