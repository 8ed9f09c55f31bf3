package awsemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// iamClient is the real IAM client reaching the emulator with credentials
// the emulator issued (any may call IAM in the sandbox).
func (f *awsFixture) iamClient(t *testing.T) *iam.Client {
	t.Helper()
	c := f.aws.IssueRoleSession(f.aws.RoleARN("admin"), "admin", "role", time.Hour, nil, nil)
	return iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), Credentials: awsProvider(c), RetryMaxAttempts: 1})
}

func TestIAMOpenIDConnectProviderLifecycle(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	c := f.iamClient(t)
	ctx := context.Background()
	created, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{
		Url: aws.String("https://idp.example.com/oauth2/default"), ClientIDList: []string{"app-1", "app-2"},
		ContextProvider: &iamtypes.ContextProvider{
			SubjectSourceKey: aws.String("email"), SubjectTypeValue: aws.String("workload"),
			KeyDefinitionList: []iamtypes.ContextProviderKeyDefinition{{SourceKey: aws.String("dept"), TargetKey: aws.String("department")}, {SourceKey: aws.String("cost")}},
		},
		IdentityCenterInstanceArn: aws.String(f.aws.InstanceARN()),
	})
	if err != nil {
		t.Fatalf("CreateOpenIDConnectProvider: %v", err)
	}
	arn := aws.ToString(created.OpenIDConnectProviderArn)
	if want := "arn:aws:iam::123456789012:oidc-provider/idp.example.com/oauth2/default"; arn != want {
		t.Fatalf("provider ARN = %q, want %q", arn, want)
	}
	got, err := c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetOpenIDConnectProvider: %v", err)
	}
	cp := got.ContextProvider
	switch {
	case aws.ToString(got.Url) != "idp.example.com/oauth2/default" || !slices.Equal(got.ClientIDList, []string{"app-1", "app-2"}):
		t.Fatalf("Url %q ClientIDList %q", aws.ToString(got.Url), got.ClientIDList)
	case cp == nil || aws.ToString(cp.SubjectSourceKey) != "email" || aws.ToString(cp.SubjectTypeValue) != "workload" || cp.SubjectTypeSourceKey != nil:
		t.Fatalf("ContextProvider = %+v", cp)
	case len(cp.KeyDefinitionList) != 2 || aws.ToString(cp.KeyDefinitionList[0].TargetKey) != "department" || aws.ToString(cp.KeyDefinitionList[1].SourceKey) != "cost" || cp.KeyDefinitionList[1].TargetKey != nil:
		t.Fatalf("KeyDefinitionList = %+v", cp.KeyDefinitionList)
	case aws.ToString(got.IdentityCenterInstanceArn) != f.aws.InstanceARN() || aws.ToString(got.IdentityStoreArn) != "arn:aws:identitystore::123456789012:identitystore/d-1234567890":
		t.Fatalf("IdentityCenterInstanceArn %q IdentityStoreArn %q", aws.ToString(got.IdentityCenterInstanceArn), aws.ToString(got.IdentityStoreArn))
	case got.CreateDate == nil || !got.CreateDate.Equal(f.clock.Now()):
		t.Fatalf("CreateDate = %v", got.CreateDate)
	}

	update := func(in iam.UpdateOpenIDConnectProviderInput) error {
		in.OpenIDConnectProviderArn = aws.String(arn)
		_, err := c.UpdateOpenIDConnectProvider(ctx, &in)
		return err
	}
	newCtx := &iamtypes.ContextProvider{SubjectSourceKey: aws.String("sub")}
	refused := []struct {
		name string
		in   iam.UpdateOpenIDConnectProviderInput
		code string
	}{
		{"value and remove flag", iam.UpdateOpenIDConnectProviderInput{ContextProvider: newCtx, RemoveContextProvider: true}, "InvalidInput"},
		{"both settings", iam.UpdateOpenIDConnectProviderInput{ContextProvider: newCtx, RemoveIdentityCenterInstance: true}, "InvalidInput"},
		{"context removed before the link", iam.UpdateOpenIDConnectProviderInput{RemoveContextProvider: true}, "InvalidInput"},
		{"nothing to change", iam.UpdateOpenIDConnectProviderInput{}, "InvalidInput"},
		{"both subject type sources", iam.UpdateOpenIDConnectProviderInput{ContextProvider: &iamtypes.ContextProvider{SubjectSourceKey: aws.String("sub"), SubjectTypeValue: aws.String("user"), SubjectTypeSourceKey: aws.String("typ")}}, "InvalidInput"},
		{"unknown instance", iam.UpdateOpenIDConnectProviderInput{IdentityCenterInstanceArn: aws.String("arn:aws:sso:::instance/ssoins-0000000000000000")}, "InvalidInput"},
	}
	for _, tc := range refused {
		if err := update(tc.in); awsCode(err) != tc.code {
			t.Errorf("%s: err = %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := update(iam.UpdateOpenIDConnectProviderInput{RemoveIdentityCenterInstance: true}); err != nil {
		t.Fatalf("remove link: %v", err)
	}
	if err := update(iam.UpdateOpenIDConnectProviderInput{RemoveContextProvider: true}); err != nil {
		t.Fatalf("remove context provider: %v", err)
	}
	if err := update(iam.UpdateOpenIDConnectProviderInput{IdentityCenterInstanceArn: aws.String(f.aws.InstanceARN())}); awsCode(err) != "InvalidInput" {
		t.Fatalf("link without a context provider: err = %v, want InvalidInput", err)
	}
	got, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn)})
	if err != nil || got.ContextProvider != nil || got.IdentityCenterInstanceArn != nil || got.IdentityStoreArn != nil {
		t.Fatalf("after removal: %+v, %v", got, err)
	}

	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://idp.example.com/oauth2/default")})
	if awsCode(err) != "EntityAlreadyExists" {
		t.Fatalf("duplicate create: %v", err)
	}
	_, err = c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://other.example.com"), IdentityCenterInstanceArn: aws.String(f.aws.InstanceARN())})
	if awsCode(err) != "InvalidInput" {
		t.Fatalf("link without context provider at create: %v", err)
	}
	_, err = c.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(arn + "x")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("unknown provider: %v, want NoSuchEntityException", err)
	}
}

func TestIAMGetRole(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) { o.FederationMaxSession = 2 * time.Hour; o.FederationAudience = "aud-x" })
	c := f.iamClient(t)
	out, err := c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("tip-sandbox-federation")})
	if err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	r := out.Role
	if aws.ToString(r.Arn) != f.aws.FederationRoleARN() || aws.ToInt32(r.MaxSessionDuration) != 7200 || aws.ToString(r.RoleId) != awsRoleID(f.aws.FederationRoleARN()) {
		t.Fatalf("role = %+v", r)
	}
	raw := aws.ToString(r.AssumeRolePolicyDocument)
	if strings.ContainsAny(raw, "{\" ") {
		t.Fatalf("AssumeRolePolicyDocument %q is not URL-encoded as IAM returns it", raw)
	}
	doc, err := url.QueryUnescape(raw)
	if err != nil {
		t.Fatalf("decode policy: %v", err)
	}
	var policy struct {
		Statement []struct {
			Principal struct{ Federated string }
			Action    string
			Condition map[string]map[string]string
		}
	}
	if err := json.Unmarshal([]byte(doc), &policy); err != nil || len(policy.Statement) != 1 {
		t.Fatalf("policy %s: %v", doc, err)
	}
	s := policy.Statement[0]
	host := strings.TrimPrefix(f.idp.Issuer(), "http://")
	if s.Principal.Federated != f.aws.OIDCProviderARN() || s.Action != "sts:AssumeRoleWithWebIdentity" || s.Condition["StringEquals"][host+":aud"] != "aud-x" {
		t.Fatalf("trust statement = %+v", s)
	}
	_, err = c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("nope")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) {
		t.Fatalf("unknown role: %v", err)
	}
}

// TestIAMRouting: POST / serves IAM for requests signed for "iam" and STS
// otherwise; IAM refuses bad signatures in the awsQuery way.
func TestIAMRouting(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	ctx := context.Background()
	if _, err := f.iamClient(t).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("tip-sandbox-oidc")}); err != nil {
		t.Fatalf("GetRole: %v", err)
	}
	if n := f.aws.Counts()["GetRole"]; n != 1 {
		t.Fatalf("GetRole count = %d, want 1", n)
	}
	forged := iam.New(iam.Options{Region: "us-east-1", BaseEndpoint: aws.String(f.aws.URL()), RetryMaxAttempts: 1,
		Credentials: awsProvider(aws.Credentials{AccessKeyID: "ASIAUNKNOWN", SecretAccessKey: "x", SessionToken: "y"})})
	if _, err := forged.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("tip-sandbox-oidc")}); awsCode(err) != "InvalidClientTokenId" {
		t.Fatalf("unknown key: err = %v, want InvalidClientTokenId", err)
	}
	// The same credentials signed for sts reach STS, not IAM.
	c := f.aws.IssueRoleSession(f.aws.RoleARN("admin"), "admin", "role", time.Hour, nil, nil)
	if _, err := f.sts(c).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	// An unsigned IAM action lands on STS, which does not know it.
	resp, err := http.PostForm(f.aws.URL(), url.Values{"Action": {"GetRole"}, "Version": {iamVersion}, "RoleName": {"x"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("unsigned GetRole: status %d, want 400 (InvalidAction from STS)", resp.StatusCode)
	}
}
