package configure_test

import (
	"reflect"
	"testing"

	"github.com/tip-cli/tip-cli/internal/cfn"
	"github.com/tip-cli/tip-cli/internal/cmd/cmdtest"
	"github.com/tip-cli/tip-cli/internal/cmd/configure"
)

func TestIdPFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want configure.IdPOptions
	}{
		{"none (prompts)", nil, configure.IdPOptions{}},
		{"provider and config", []string{"--provider", "okta", "--config", `{"okta_url":"https://x.okta.com"}`},
			configure.IdPOptions{Provider: "okta", Config: `{"okta_url":"https://x.okta.com"}`}},
		{"config file", []string{"--config", "./work.json"}, configure.IdPOptions{Config: "./work.json"}},
		{"shared sign-in", []string{"--sign-in", "corp", "--config", "./prod.json"}, configure.IdPOptions{SignIn: "corp", Config: "./prod.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *configure.IdPOptions
			if err := cmdtest.Run(configure.NewCmdIdP(f, cmdtest.Capture(&got)), tt.args...); err != nil {
				t.Fatal(err)
			}
			tt.want.IO, tt.want.Profile = f.IOStreams, "default"
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestAWSProfileFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    configure.AWSProfileOptions
		wantErr string
	}{
		{"name only", []string{"tip"}, configure.AWSProfileOptions{Name: "tip", Permission: "READ"}, ""},
		{"s3ag", []string{"tip-data", "--s3ag", "s3://bucket/team/", "--permission", "READWRITE", "--region", "eu-west-1"},
			configure.AWSProfileOptions{Name: "tip-data", S3AG: "s3://bucket/team/", Permission: "READWRITE", Region: "eu-west-1"}, ""},
		{"credentials file", []string{"restic", "--credentials-file"}, configure.AWSProfileOptions{Name: "restic", Permission: "READ", CredentialsFile: true}, ""},
		{"bad profile name", []string{"a]b"}, configure.AWSProfileOptions{}, "profile name"},
		{"bad S3 URI", []string{"tip", "--s3ag", "bucket/team"}, configure.AWSProfileOptions{}, "s3://"},
		{"bad permission", []string{"tip", "--s3ag", "s3://bucket/", "--permission", "ALL"}, configure.AWSProfileOptions{}, "permission"},
		{"bad region", []string{"tip", "--region", "moon-1"}, configure.AWSProfileOptions{}, "region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *configure.AWSProfileOptions
			err := cmdtest.Run(configure.NewCmdAWSProfile(f, "aws-profile", cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.Getenv == nil {
				t.Error("Getenv not taken from the Factory")
			}
			got.Getenv = nil // a func: not comparable
			tt.want.IO, tt.want.Profile = f.IOStreams, "default"
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestGenerateCFNFlags(t *testing.T) {
	t.Parallel()
	const issuer, aud = "https://example.okta.com/oauth2/default", "0oa1example"
	tp := "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
	tests := []struct {
		name    string
		args    []string
		want    func(o *configure.CFNOptions)
		wantErr string
	}{
		{"defaults", []string{issuer + "/", aud}, func(*configure.CFNOptions) {}, ""},
		{"every flag", []string{issuer, aud, tp, "--services", "athena,s3", "--max-session-duration", "7200", "--format", "json"},
			func(o *configure.CFNOptions) {
				o.Opts.Thumbprints, o.Opts.Services, o.Opts.MaxSessionDuration, o.Format = []string{tp}, []string{"athena", "s3"}, 7200, "json"
			}, ""},
		{"iam-federation", []string{issuer, aud, "--tip-mode", "iam-federation", "--subject-claim", "sub", "--subject-type", "workload",
			"--identity-center-instance-arn", "arn:aws:sso:::instance/ssoins-1111222233334444", "--max-session-duration", "7200"},
			func(o *configure.CFNOptions) {
				o.Opts.Mode, o.Opts.SubjectClaim, o.Opts.SubjectType = cfn.ModeIAMFederation, "sub", cfn.SubjectTypeWorkload
				o.Opts.IdentityCenterInstanceARN, o.Opts.MaxSessionDuration = "arn:aws:sso:::instance/ssoins-1111222233334444", 7200
			}, ""},
		{"bad format", []string{issuer, aud, "--format", "toml"}, nil, `invalid --format "toml": want yaml or json`},
		{"bad mode", []string{issuer, aud, "--tip-mode", "saml"}, nil, `invalid --tip-mode "saml"`},
		{"bad subject type", []string{issuer, aud, "--tip-mode", "iam-federation", "--subject-type", "robot"}, nil, `invalid --subject-type "robot"`},
		{"subject claim without federation", []string{issuer, aud, "--subject-claim", "sub"}, nil, "--subject-claim needs --tip-mode iam-federation"},
		{"http issuer", []string{"http://idp.example.com", aud}, nil, "ISSUER_URL"},
		{"bad thumbprint", []string{issuer, aud, "abc"}, nil, "THUMBPRINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *configure.CFNOptions
			err := cmdtest.Run(configure.NewCmdGenerateCFN(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			want := configure.CFNOptions{IO: f.IOStreams, Format: "yaml", Opts: cfn.Options{
				IssuerURL: issuer, Audiences: []string{aud}, Mode: cfn.ModeIdentityCenter}}
			tt.want(&want)
			got.Thumbprinter = nil // built by the command for discovery; not a flag
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestDeleteFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		args    []string
		want    configure.DeleteOptions
		wantErr string
	}{
		{"profile", []string{"dev"}, configure.DeleteOptions{Profile: "dev"}, ""},
		{"sign-in", []string{"--sign-in", "corp"}, configure.DeleteOptions{SignIn: "corp"}, ""},
		{"neither", nil, configure.DeleteOptions{}, "give the profile to delete, or --sign-in NAME"},
		{"both", []string{"dev", "--sign-in", "corp"}, configure.DeleteOptions{}, "give a profile or --sign-in, not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(nil)
			var got *configure.DeleteOptions
			err := cmdtest.Run(configure.NewCmdDelete(f, cmdtest.Capture(&got)), tt.args...)
			if !cmdtest.CheckErr(t, err, tt.wantErr, true) {
				return
			}
			if got.DeleteSecrets == nil {
				t.Error("DeleteSecrets not taken from the Factory")
			}
			got.DeleteSecrets = nil // a func: not comparable
			tt.want.IO = f.IOStreams
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}
