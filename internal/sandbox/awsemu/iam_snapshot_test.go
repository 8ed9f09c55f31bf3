package awsemu

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// TestIAMSnapshotWire holds the emulation's IAM answers to the iam module's
// own response snapshots: the snapshot decodes through the real client into
// the context provider fields the emulation serves, and every element the
// emulation writes is one the snapshot has, at the same place.
func TestIAMSnapshotWire(t *testing.T) {
	t.Parallel()
	status, header, body := sdkSnapshot(t, iamModule, "GetOpenIDConnectProvider")
	client := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(serveSnapshot(t, status, header, body)), RetryMaxAttempts: 1,
		Credentials: awsProvider(aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"})})
	snap, err := client.GetOpenIDConnectProvider(context.Background(), &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String("arn:aws:iam::123456789012:oidc-provider/x")})
	if err != nil {
		t.Fatalf("decode the SDK's snapshot: %v", err)
	}
	cp := snap.ContextProvider
	if cp == nil || aws.ToString(cp.SubjectSourceKey) != "__SubjectSourceKey__" || len(cp.KeyDefinitionList) != 2 ||
		aws.ToString(cp.KeyDefinitionList[0].TargetKey) != "__TargetKey__" || aws.ToString(snap.IdentityStoreArn) != "__IdentityStoreArn__" {
		t.Fatalf("snapshot decoded to %+v", snap)
	}

	f := awsStart(t, func(o *AWSOptions) {
		o.ContextProvider = &ContextProvider{SubjectSourceKey: "email", SubjectTypeSourceKey: "kind", KeyDefinitions: []KeyDefinition{{SourceKey: "name", TargetKey: "display_name"}}}
		o.LinkIdentityCenter = true
	})
	creds := f.aws.IssueRoleSession(f.aws.RoleARN("admin"), "admin", "role", time.Hour, nil, nil)
	for _, tc := range []struct{ op, anchor string }{
		{"GetOpenIDConnectProvider", "GetOpenIDConnectProviderResult"},
		{"GetRole", "GetRoleResult"},
	} {
		_, _, ref := sdkSnapshot(t, iamModule, tc.op)
		form := url.Values{"Action": {tc.op}, "Version": {iamVersion}, "OpenIDConnectProviderArn": {f.aws.OIDCProviderARN()}, "RoleName": {"tip-sandbox-federation"}}
		status, emulated, _ := awsRawSigned(t, creds, http.MethodPost, f.aws.URL()+"/", form.Encode(), "iam",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if status != http.StatusOK {
			t.Fatalf("%s: %d %s", tc.op, status, emulated)
		}
		want := xmlPaths(t, ref, tc.anchor)
		got := xmlPaths(t, []byte(emulated), tc.anchor)
		if len(got) < 5 {
			t.Fatalf("%s: emulated answer has only %q", tc.op, got)
		}
		for _, p := range got {
			if !slices.Contains(want, p) {
				t.Errorf("%s: element %s is not in the SDK's snapshot %q", tc.op, p, want)
			}
		}
	}
}
