package awsemu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/ssoadmin"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/ssoadmin/types"
	"github.com/aws/smithy-go"

	"github.com/tip-cli/tip-cli/internal/testkey"
)

// ssoaFixture is an emulator with an Identity Center and SDK clients
// signed by its admin credentials.
type ssoaFixture struct {
	aws   *AWS
	ic    *IdentityCenter
	admin *ssoadmin.Client
	ids   *identitystore.Client
}

func ssoaStart(t *testing.T, cfg IdentityCenterConfig) *ssoaFixture {
	t.Helper()
	a, err := NewAWS(AWSOptions{
		IssuerURL: "https://idp.example.com",
		Audiences: []string{"client-1"},
		Users:     map[string]string{"alice@example.com": "u-alice"},
		Groups:    map[string][]string{"u-alice": {"g-analysts"}},
		Key:       testkey.RSA(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	ic := InstallIdentityCenter(a, cfg)
	awsCfg := aws.Config{
		Region:           a.Region(),
		Credentials:      aws.NewCredentialsCache(ssoaStatic(ic.AdminCredentials())),
		BaseEndpoint:     aws.String(a.URL()),
		RetryMaxAttempts: 1,
	}
	return &ssoaFixture{aws: a, ic: ic, admin: ssoadmin.NewFromConfig(awsCfg), ids: identitystore.NewFromConfig(awsCfg)}
}

func ssoaStatic(c aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return c, nil }
}

func ssoaCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestSSOAdminHealthy(t *testing.T) {
	t.Parallel()
	f := ssoaStart(t, IdentityCenterConfig{})
	ctx := context.Background()
	app := aws.String(f.aws.ApplicationARN())

	d, err := f.admin.DescribeApplication(ctx, &ssoadmin.DescribeApplicationInput{ApplicationArn: app})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != ssotypes.ApplicationStatusEnabled || aws.ToString(d.ApplicationProviderArn) != customApplicationProviderARN ||
		aws.ToString(d.InstanceArn) != f.aws.InstanceARN() || !d.CreatedDate.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("DescribeApplication = %+v", d)
	}

	am, err := f.admin.GetApplicationAuthenticationMethod(ctx, &ssoadmin.GetApplicationAuthenticationMethodInput{
		ApplicationArn: app, AuthenticationMethodType: ssotypes.AuthenticationMethodTypeIam,
	})
	if err != nil {
		t.Fatal(err)
	}
	iam, ok := am.AuthenticationMethod.(*ssotypes.AuthenticationMethodMemberIam)
	if !ok {
		t.Fatalf("authentication method %T", am.AuthenticationMethod)
	}
	var policy map[string]any
	if err := iam.Value.ActorPolicy.UnmarshalSmithyDocument(&policy); err != nil {
		t.Fatal(err)
	}
	stmt := policy["Statement"].([]any)[0].(map[string]any)
	if stmt["Action"] != "sso-oauth:CreateTokenWithIAM" || stmt["Principal"].(map[string]any)["AWS"] != f.aws.OIDCRoleARN() {
		t.Errorf("actor policy = %v", policy)
	}

	g, err := f.admin.ListApplicationGrants(ctx, &ssoadmin.ListApplicationGrantsInput{ApplicationArn: app})
	if err != nil {
		t.Fatal(err)
	}
	var jwt *ssotypes.GrantMemberJwtBearer
	for _, item := range g.Grants {
		if item.GrantType == ssotypes.GrantTypeJwtBearer {
			jwt, _ = item.Grant.(*ssotypes.GrantMemberJwtBearer)
		}
	}
	if jwt == nil || len(jwt.Value.AuthorizedTokenIssuers) != 1 ||
		aws.ToString(jwt.Value.AuthorizedTokenIssuers[0].TrustedTokenIssuerArn) != f.ic.TrustedTokenIssuerARN() ||
		jwt.Value.AuthorizedTokenIssuers[0].AuthorizedAudiences[0] != "client-1" {
		t.Fatalf("grants = %+v", g.Grants)
	}

	tti, err := f.admin.DescribeTrustedTokenIssuer(ctx, &ssoadmin.DescribeTrustedTokenIssuerInput{TrustedTokenIssuerArn: aws.String(f.ic.TrustedTokenIssuerARN())})
	if err != nil {
		t.Fatal(err)
	}
	oidc, ok := tti.TrustedTokenIssuerConfiguration.(*ssotypes.TrustedTokenIssuerConfigurationMemberOidcJwtConfiguration)
	if !ok || aws.ToString(oidc.Value.IssuerUrl) != "https://idp.example.com" || aws.ToString(oidc.Value.ClaimAttributePath) != "email" ||
		aws.ToString(oidc.Value.IdentityStoreAttributePath) != "emails.value" || oidc.Value.JwksRetrievalOption != ssotypes.JwksRetrievalOptionOpenIdDiscovery {
		t.Errorf("trusted token issuer = %+v", tti.TrustedTokenIssuerConfiguration)
	}

	inst, err := f.admin.DescribeInstance(ctx, &ssoadmin.DescribeInstanceInput{InstanceArn: aws.String(f.aws.InstanceARN())})
	if err != nil || aws.ToString(inst.IdentityStoreId) != f.aws.IdentityStoreID() || inst.Status != ssotypes.InstanceStatusActive {
		t.Errorf("DescribeInstance = %+v, %v", inst, err)
	}
	sc, err := f.admin.ListApplicationAccessScopes(ctx, &ssoadmin.ListApplicationAccessScopesInput{ApplicationArn: app})
	if err != nil || len(sc.Scopes) != 1 || aws.ToString(sc.Scopes[0].Scope) != "s3:access_grants:read_write" {
		t.Errorf("ListApplicationAccessScopes = %+v, %v", sc, err)
	}
	ac, err := f.admin.GetApplicationAssignmentConfiguration(ctx, &ssoadmin.GetApplicationAssignmentConfigurationInput{ApplicationArn: app})
	if err != nil || aws.ToBool(ac.AssignmentRequired) {
		t.Errorf("GetApplicationAssignmentConfiguration = %+v, %v", ac, err)
	}
}

func TestSSOAdminMisconfigurations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name  string
		cfg   IdentityCenterConfig
		check func(t *testing.T, f *ssoaFixture)
	}{
		{"disabled, AWS managed", IdentityCenterConfig{ApplicationDisabled: true, ApplicationProviderARN: "arn:aws:sso::aws:applicationProvider/athena"}, func(t *testing.T, f *ssoaFixture) {
			d, err := f.admin.DescribeApplication(ctx, &ssoadmin.DescribeApplicationInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
			if err != nil || d.Status != ssotypes.ApplicationStatusDisabled || aws.ToString(d.ApplicationProviderArn) == customApplicationProviderARN {
				t.Errorf("DescribeApplication = %+v, %v", d, err)
			}
		}},
		{"no actor policy", IdentityCenterConfig{NoActorPolicy: true}, func(t *testing.T, f *ssoaFixture) {
			_, err := f.admin.GetApplicationAuthenticationMethod(ctx, &ssoadmin.GetApplicationAuthenticationMethodInput{
				ApplicationArn: aws.String(f.aws.ApplicationARN()), AuthenticationMethodType: ssotypes.AuthenticationMethodTypeIam})
			if ssoaCode(err) != "ResourceNotFoundException" {
				t.Errorf("err = %v", err)
			}
		}},
		{"no jwt-bearer grant", IdentityCenterConfig{NoJWTBearerGrant: true}, func(t *testing.T, f *ssoaFixture) {
			g, err := f.admin.ListApplicationGrants(ctx, &ssoadmin.ListApplicationGrantsInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
			if err != nil || len(g.Grants) != 1 || g.Grants[0].GrantType != ssotypes.GrantTypeRefreshToken {
				t.Errorf("grants = %+v, %v", g, err)
			}
		}},
		{"no scopes", IdentityCenterConfig{NoAccessScopes: true}, func(t *testing.T, f *ssoaFixture) {
			sc, err := f.admin.ListApplicationAccessScopes(ctx, &ssoadmin.ListApplicationAccessScopesInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
			if err != nil || len(sc.Scopes) != 0 {
				t.Errorf("scopes = %+v, %v", sc, err)
			}
		}},
		{"assignments", IdentityCenterConfig{AssignmentRequired: true, AssignedGroups: []string{"g-analysts"}}, func(t *testing.T, f *ssoaFixture) {
			in := &ssoadmin.ListApplicationAssignmentsForPrincipalInput{
				InstanceArn: aws.String(f.aws.InstanceARN()), PrincipalId: aws.String("u-alice"), PrincipalType: ssotypes.PrincipalTypeUser,
				Filter: &ssotypes.ListApplicationAssignmentsFilter{ApplicationArn: aws.String(f.aws.ApplicationARN())},
			}
			out, err := f.admin.ListApplicationAssignmentsForPrincipal(ctx, in)
			if err != nil || len(out.ApplicationAssignments) != 0 {
				t.Errorf("user assignments = %+v, %v", out, err)
			}
			in.PrincipalId, in.PrincipalType = aws.String("g-analysts"), ssotypes.PrincipalTypeGroup
			out, err = f.admin.ListApplicationAssignmentsForPrincipal(ctx, in)
			if err != nil || len(out.ApplicationAssignments) != 1 || out.ApplicationAssignments[0].PrincipalType != ssotypes.PrincipalTypeGroup {
				t.Errorf("group assignments = %+v, %v", out, err)
			}
			all, err := f.admin.ListApplicationAssignments(ctx, &ssoadmin.ListApplicationAssignmentsInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
			if err != nil || len(all.ApplicationAssignments) != 1 || aws.ToString(all.ApplicationAssignments[0].PrincipalId) != "g-analysts" {
				t.Errorf("ListApplicationAssignments = %+v, %v", all, err)
			}
		}},
		{"access denied", IdentityCenterConfig{DenyOperations: []string{"DescribeApplication"}}, func(t *testing.T, f *ssoaFixture) {
			_, err := f.admin.DescribeApplication(ctx, &ssoadmin.DescribeApplicationInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
			if ssoaCode(err) != "AccessDeniedException" {
				t.Errorf("err = %v", err)
			}
		}},
		{"unknown application", IdentityCenterConfig{}, func(t *testing.T, f *ssoaFixture) {
			_, err := f.admin.DescribeApplication(ctx, &ssoadmin.DescribeApplicationInput{ApplicationArn: aws.String("arn:aws:sso::123456789012:application/ssoins-0000000000000000/apl-0000000000000000")})
			if ssoaCode(err) != "ResourceNotFoundException" {
				t.Errorf("err = %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.check(t, ssoaStart(t, tt.cfg)) })
	}
}

func TestSSOAdminRequiresSignature(t *testing.T) {
	t.Parallel()
	f := ssoaStart(t, IdentityCenterConfig{})
	anon := ssoadmin.NewFromConfig(aws.Config{Region: f.aws.Region(), Credentials: aws.AnonymousCredentials{}, BaseEndpoint: aws.String(f.aws.URL()), RetryMaxAttempts: 1})
	_, err := anon.DescribeApplication(context.Background(), &ssoadmin.DescribeApplicationInput{ApplicationArn: aws.String(f.aws.ApplicationARN())})
	if ssoaCode(err) != "MissingAuthenticationTokenException" {
		t.Errorf("unsigned call: %v", err)
	}
	if n := f.aws.Counts()["DescribeApplication"]; n != 1 {
		t.Errorf("DescribeApplication count = %d", n)
	}
}
