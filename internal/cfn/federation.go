package cfn

import (
	"fmt"
	"slices"
	"strings"

	"github.com/tip-cli/tip-cli/internal/iamoidc"
)

// TIP modes of the template; the same words as a profile's "tip_mode".
const (
	ModeIdentityCenter = "identity-center"
	ModeIAMFederation  = "iam-federation"
)

// Logical id and output of the iam-federation template.
const (
	LogicalFederationRole = "FederationRole"
	OutputRoleArn         = "RoleArn"
)

// DefaultFederationMaxSession is the federation role's MaxSessionDuration
// unless asked otherwise: a first-hop session may last 12 hours.
const DefaultFederationMaxSession = 43200

// Subject types of a context provider (SubjectTypeValue).
const (
	SubjectTypeUser     = "user"
	SubjectTypeWorkload = "workload"
)

// Modes lists the template modes.
func Modes() []string { return []string{ModeIdentityCenter, ModeIAMFederation} }

// federationServices are the policy sets of an iam-federation role: Q
// Business accepts only Identity Center identities, so it is left out.
func federationServices() []string { return []string{ServiceAthena, ServiceRedshiftData, ServiceS3AG} }

// buildFederation returns the iam-federation template: the IAM OIDC
// provider and one role trusted through it for the audiences. CloudFormation
// has no property for the provider's context provider, so the template
// cannot enable TIP itself: ContextProviderCommands says how.
func buildFederation(opts Options, services []string) *Template {
	key := iamoidc.ProviderURL(opts.IssuerURL) + ":aud"
	policies := make([]InlinePolicy, 0, len(services))
	for _, s := range services {
		policies = append(policies, InlinePolicy{PolicyName: "tip-" + s,
			PolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: servicePolicy(s)}})
	}
	return &Template{
		AWSTemplateFormatVersion: FormatVersion,
		Description: "tip-cli trusted identity propagation for IAM federation: IAM OIDC provider for " +
			opts.IssuerURL + " and the role trusted through it (add the context provider after deploying)",
		Resources: Resources{
			{LogicalOIDCProvider, Resource{Type: "AWS::IAM::OIDCProvider", Properties: OIDCProviderProperties{
				URL:            opts.IssuerURL,
				ClientIDList:   slices.Clone(opts.Audiences),
				ThumbprintList: slices.Clone(opts.Thumbprints),
			}}},
			{LogicalFederationRole, Resource{Type: "AWS::IAM::Role", Properties: RoleProperties{
				Description:        "tip-cli federation role: its web identity sessions carry the person (tip_mode iam-federation)",
				MaxSessionDuration: opts.MaxSessionDuration,
				AssumeRolePolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
					Effect:    "Allow",
					Principal: &Principal{Federated: Ref{Ref: LogicalOIDCProvider}},
					Action:    []string{"sts:AssumeRoleWithWebIdentity"},
					Condition: Condition{"StringEquals": {key: slices.Clone(opts.Audiences)}},
				}}},
				Policies: policies,
			}}},
		},
		Outputs: Outputs{
			{OutputRoleArn, Output{Description: "role_arn of the tip-cli profile (tip_mode iam-federation)", Value: NewGetAtt(LogicalFederationRole, "Arn")}},
			{OutputOIDCProviderArn, Output{Description: "ARN of the IAM OIDC identity provider", Value: Ref{Ref: LogicalOIDCProvider}}},
		},
	}
}

// ContextProviderCommands returns the AWS CLI calls that enable TIP for IAM
// federation on the provider the iam-federation template creates, one per
// request IAM allows: the context provider, then (when
// opts.IdentityCenterInstanceARN is set) the Identity Center link. The
// provider ARN is computed in the shell from the caller's account (aws
// partition). Parameter names are botocore's spelling (xform_name) of the
// IAM model in the Go SDK's iam v1.68.0 (UpdateOpenIDConnectProvider,
// OpenIDConnectProviderArn, ContextProvider {SubjectSourceKey,
// SubjectTypeValue}, IdentityCenterInstanceArn): the AWS CLIs installed
// here (v2 2.9.19, v1 with botocore 1.43.11) predate the operation.
func ContextProviderCommands(opts Options) ([]string, error) {
	if err := validateContextOptions(opts); err != nil {
		return nil, err
	}
	arn := `"arn:aws:iam::$(aws sts get-caller-identity --query Account --output text):oidc-provider/` + iamoidc.ProviderURL(opts.IssuerURL) + `"`
	cmds := []string{iamoidc.ContextProviderCommand(arn, opts.SubjectClaim, opts.SubjectType)}
	if opts.IdentityCenterInstanceARN != "" {
		cmds = append(cmds, "aws iam update-open-id-connect-provider --open-id-connect-provider-arn "+arn+" --identity-center-instance-arn "+opts.IdentityCenterInstanceARN)
	}
	return cmds, nil
}

// validateContextOptions checks the context provider settings: the claim
// as IAM allows a SubjectSourceKey (1–128 of A-Za-z0-9, single inner
// spaces and _.:/=+-@#), which also keeps it safe inside single quotes.
func validateContextOptions(opts Options) error {
	c := opts.SubjectClaim
	if c == "" || len(c) > 128 || strings.HasPrefix(c, " ") || strings.HasSuffix(c, " ") || strings.Contains(c, "  ") ||
		strings.Trim(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.:/=+-@#") != "" {
		return fmt.Errorf("subject claim %q: want 1-128 letters, digits, single spaces or _.:/=+-@#", c)
	}
	if opts.SubjectType != SubjectTypeUser && opts.SubjectType != SubjectTypeWorkload {
		return fmt.Errorf("subject type %q: want %s or %s", opts.SubjectType, SubjectTypeUser, SubjectTypeWorkload)
	}
	if a := opts.IdentityCenterInstanceARN; a != "" && (!strings.HasPrefix(a, "arn:aws:sso:::instance/") || strings.ContainsAny(a, " '\"$`\\")) {
		return fmt.Errorf("identity center instance arn %q: want arn:aws:sso:::instance/ssoins-…", a)
	}
	return nil
}
