package awsemu

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3control"
	s3ctypes "github.com/aws/aws-sdk-go-v2/service/s3control/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

func TestAWSFullChain(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) {
		o.Users = map[string]string{"Alice@Example.com": "u-alice"}
		o.Grants = []GrantRule{{Grantee: "u-alice", Scope: "s3://data/alice/*", Permission: "READWRITE"}}
	})
	ctx := context.Background()
	start := f.clock.Now()

	web, err := f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice@example.com"),
		WebIdentityToken: aws.String(f.mint(t, nil)),
	})
	if err != nil {
		t.Fatalf("AssumeRoleWithWebIdentity: %v", err)
	}
	if got, want := aws.ToString(web.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/tip-sandbox-oidc/alice@example.com"; got != want {
		t.Errorf("assumed role arn = %q, want %q", got, want)
	}
	if ak := aws.ToString(web.Credentials.AccessKeyId); len(ak) != 20 || !strings.HasPrefix(ak, "ASIA") || strings.ToUpper(ak) != ak {
		t.Errorf("access key id %q is not ASIA+16 upper-case", ak)
	}
	if n := len(aws.ToString(web.Credentials.SecretAccessKey)); n != 40 {
		t.Errorf("secret length = %d, want 40", n)
	}
	if got := web.Credentials.Expiration.Sub(start); got != time.Hour {
		t.Errorf("default duration = %v, want 1h", got)
	}
	if aws.ToString(web.SubjectFromWebIdentityToken) != "00u-alice" || aws.ToString(web.Audience) != "tip-cli-sandbox" || aws.ToString(web.Provider) != f.idp.Issuer() {
		t.Errorf("subject/audience/provider = %q/%q/%q", aws.ToString(web.SubjectFromWebIdentityToken), aws.ToString(web.Audience), aws.ToString(web.Provider))
	}
	oidcCreds := awsFromSTS(web.Credentials)

	ictx, tok := f.identityContext(t, oidcCreds)
	awsCheckIDToken(t, f.aws, aws.ToString(tok.IdToken), ictx)
	if tok.ExpiresIn != 3600 || aws.ToString(tok.TokenType) != "Bearer" || aws.ToString(tok.AccessToken) == "" {
		t.Errorf("token response = %+v", tok)
	}

	role, err := f.sts(oidcCreds).AssumeRole(ctx, f.assumeInput(ictx))
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	if got, want := aws.ToString(role.AssumedRoleUser.Arn), "arn:aws:sts::123456789012:assumed-role/tip-sandbox-id-enhanced/tip-alice"; got != want {
		t.Errorf("assumed role arn = %q, want %q", got, want)
	}
	enhanced := awsFromSTS(role.Credentials)

	who, err := f.sts(enhanced).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(who.Arn) != aws.ToString(role.AssumedRoleUser.Arn) || aws.ToString(who.Account) != "123456789012" ||
		aws.ToString(who.UserId) != aws.ToString(role.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("caller identity = %s %s %s", aws.ToString(who.UserId), aws.ToString(who.Account), aws.ToString(who.Arn))
	}

	da, err := f.s3c(enhanced).GetDataAccess(ctx, &s3control.GetDataAccessInput{
		AccountId: aws.String("123456789012"), Target: aws.String("s3://data/alice/report.csv"),
		TargetType: s3ctypes.S3PrefixTypeObject, Permission: s3ctypes.PermissionRead,
	})
	if err != nil {
		t.Fatalf("GetDataAccess: %v", err)
	}
	if aws.ToString(da.MatchedGrantTarget) != "s3://data/alice/*" || aws.ToString(da.Grantee.GranteeIdentifier) != "u-alice" || da.Grantee.GranteeType != s3ctypes.GranteeTypeDirectoryUser {
		t.Errorf("data access = %s %s %s", aws.ToString(da.MatchedGrantTarget), da.Grantee.GranteeType, aws.ToString(da.Grantee.GranteeIdentifier))
	}
	if aws.ToString(da.Credentials.AccessKeyId) == "" || da.Credentials.Expiration.Sub(start) != time.Hour {
		t.Errorf("data access credentials = %+v", da.Credentials)
	}

	want := map[string]int{"AssumeRoleWithWebIdentity": 1, "CreateTokenWithIAM": 1, "AssumeRole": 1, "GetCallerIdentity": 1, "GetDataAccess": 1}
	for op, n := range want {
		if got := f.aws.Counts()[op]; got != n {
			t.Errorf("Counts()[%s] = %d, want %d", op, got, n)
		}
	}
	rec := f.aws.Requests("GetDataAccess")[0]
	if rec.Caller == nil || rec.Caller.Kind != "id-enhanced" || rec.Caller.UserID != "u-alice" || rec.Params.Get("permission") != "READ" {
		t.Errorf("recorded GetDataAccess = %+v", rec)
	}
	if got := f.aws.Requests("CreateTokenWithIAM")[0].JSON["clientId"]; got != f.aws.ApplicationARN() {
		t.Errorf("recorded clientId = %v", got)
	}
}

// awsCheckIDToken verifies the Identity Center idToken and its claims.
func awsCheckIDToken(t *testing.T, a *AWS, raw, ictx string) {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("parse idToken: %v", err)
	}
	var claims map[string]any
	if err := tok.Claims(a.IdentityCenterPublicKey().Key, &claims); err != nil {
		t.Fatalf("verify idToken: %v", err)
	}
	want := map[string]any{
		"iss": "https://identitycenter.amazonaws.com/ssoins-1111222233334444", "sub": "u-alice",
		"aws:identity_store_id": "d-1234567890", "sts:identity_context": ictx,
		"aws:application_arn": a.ApplicationARN(), "aws:instance_arn": a.InstanceARN(),
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("idToken claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
		t.Errorf("idToken lifetime = %v", claims["exp"].(float64)-claims["iat"].(float64))
	}
}

func TestAWSFailNext(t *testing.T) {
	t.Parallel()
	f := awsStart(t, nil)
	ctx := context.Background()
	oidcCreds := f.webIdentity(t)
	f.aws.FailNext("GetCallerIdentity", http.StatusBadRequest, "RegionDisabledException", "region disabled")
	f.aws.FailNext("CreateTokenWithIAM", http.StatusInternalServerError, "InternalServerException", "boom")
	f.aws.FailNext("GetDataAccess", http.StatusForbidden, "AccessDenied", "nope")
	f.aws.FailNext("AssumeRoleWithWebIdentity", http.StatusBadRequest, "IDPRejectedClaim", "rejected")

	_, err := f.sts(oidcCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if awsCode(err) != "RegionDisabledException" {
		t.Errorf("GetCallerIdentity error = %v, want RegionDisabledException", err)
	}
	_, err = f.oidc(oidcCreds).CreateTokenWithIAM(ctx, &ssooidc.CreateTokenWithIAMInput{
		ClientId: aws.String(f.aws.ApplicationARN()), GrantType: aws.String(oidcsvcJWTBearer), Assertion: aws.String(f.mint(t, nil))})
	if awsCode(err) != "InternalServerException" {
		t.Errorf("CreateTokenWithIAM error = %v, want InternalServerException", err)
	}
	_, err = f.s3c(oidcCreds).GetDataAccess(ctx, &s3control.GetDataAccessInput{AccountId: aws.String("123456789012"),
		Target: aws.String("s3://b/*"), Permission: s3ctypes.PermissionRead})
	if awsCode(err) != "AccessDenied" || !strings.Contains(err.Error(), "nope") {
		t.Errorf("GetDataAccess error = %v, want AccessDenied nope", err)
	}
	_, err = f.sts(aws.Credentials{}).AssumeRoleWithWebIdentity(ctx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(f.aws.OIDCRoleARN()), RoleSessionName: aws.String("alice"), WebIdentityToken: aws.String(f.mint(t, nil))})
	if awsCode(err) != "IDPRejectedClaim" {
		t.Errorf("AssumeRoleWithWebIdentity error = %v, want IDPRejectedClaim", err)
	}
	// The failure is used up: the next call succeeds.
	if _, err := f.sts(oidcCreds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity after FailNext: %v", err)
	}
	if got := f.aws.Counts()["GetCallerIdentity"]; got != 2 {
		t.Errorf("GetCallerIdentity count = %d, want 2", got)
	}
}

func TestAWSDefaultsAndUserID(t *testing.T) {
	t.Parallel()
	f := awsStart(t, func(o *AWSOptions) { o.Users = map[string]string{"bob@example.com": "u-bob"} })
	a := f.aws
	if a.AccountID() != "123456789012" || a.Region() != "us-east-1" || !strings.HasPrefix(a.URL(), "http://127.0.0.1:") {
		t.Errorf("defaults: %s %s %s", a.AccountID(), a.Region(), a.URL())
	}
	if a.PlainRoleARN() != "arn:aws:iam::123456789012:role/tip-sandbox-console" ||
		a.ApplicationARN() != "arn:aws:sso::123456789012:application/ssoins-1111222233334444/apl-5555666677778888" {
		t.Errorf("arns: %s %s", a.PlainRoleARN(), a.ApplicationARN())
	}
	if a.UserID("BOB@example.com") != "u-bob" {
		t.Errorf("UserID(bob) = %s", a.UserID("BOB@example.com"))
	}
	x, y := a.UserID("carol@example.com"), a.UserID("Carol@Example.com")
	if x != y || len(x) != 47 || x == a.UserID("dave@example.com") {
		t.Errorf("derived user ids %q %q", x, y)
	}
	resp, err := http.Get(a.URL() + "/nope")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path status = %d", resp.StatusCode)
	}
}
