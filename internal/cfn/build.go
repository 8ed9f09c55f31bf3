package cfn

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/tip-cli/tip-cli/internal/iamoidc"
)

// Service names selectable in Options.Services.
const (
	ServiceAthena       = "athena"
	ServiceRedshiftData = "redshift-data"
	ServiceS3AG         = "s3ag"
	ServiceQBusiness    = "qbusiness"
)

// Logical ids and output names of the template.
const (
	LogicalOIDCProvider     = "OIDCProvider"
	LogicalOIDCRole         = "OIDCRole"
	LogicalOIDCRolePolicy   = "OIDCRoleAssumeIdEnhancedRole"
	LogicalIdEnhancedRole   = "IdEnhancedRole"
	OutputOIDCRoleArn       = "OIDCRoleArn"
	OutputIdEnhancedRoleArn = "IdEnhancedRoleArn"
	OutputOIDCProviderArn   = "OIDCProviderArn"
)

// Limits of Options (IAM quotas and role limits).
const (
	DefaultMaxSessionDuration = 3600
	MinMaxSessionDuration     = 3600
	MaxMaxSessionDuration     = 43200
	MaxThumbprints            = 5
	MaxAudiences              = 100
	maxAudienceLen            = 255
)

var thumbprintRE = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Options select what the template contains.
type Options struct {
	// IssuerURL is the IdP issuer: https, or http for loopback hosts only.
	IssuerURL string
	// Audiences are the client ids accepted by the OIDC provider (≥ 1).
	Audiences []string
	// Thumbprints are SHA-1 certificate thumbprints, 40 lowercase hex
	// characters each (at most 5). Empty omits ThumbprintList, which IAM
	// accepts for providers whose certificates it trusts itself.
	Thumbprints []string
	// Services is a subset of ValidServices; empty selects all of them.
	Services []string
	// MaxSessionDuration of the identity-enhanced role (federation role in
	// ModeIAMFederation) in seconds, 3600..43200; 0 means 3600
	// (DefaultFederationMaxSession in ModeIAMFederation).
	MaxSessionDuration int

	// Mode is ModeIdentityCenter ("" too) or ModeIAMFederation.
	Mode string
	// The context provider ContextProviderCommands adds (ModeIAMFederation):
	// the ID token claim naming the person, its subject type (user or
	// workload) and optionally the Identity Center instance to link.
	SubjectClaim, SubjectType, IdentityCenterInstanceARN string
}

// ValidServices lists the service policy sets in template order.
func ValidServices() []string {
	return []string{ServiceAthena, ServiceRedshiftData, ServiceS3AG, ServiceQBusiness}
}

// NormalizeThumbprint lower-cases a thumbprint and strips the colons of the
// "AB:CD:…" form openssl prints, then checks it is 40 hex characters.
func NormalizeThumbprint(s string) (string, error) {
	t := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if !thumbprintRE.MatchString(t) {
		return "", fmt.Errorf("bad thumbprint %q: want 40 hex characters (sha-1)", s)
	}
	return t, nil
}

// Build validates opts and returns the template.
func Build(opts Options) (*Template, error) {
	services, err := validate(&opts)
	if err != nil {
		return nil, err
	}
	if opts.Mode == ModeIAMFederation {
		return buildFederation(opts, services), nil
	}
	key := iamoidc.ProviderURL(opts.IssuerURL) + ":aud"
	t := &Template{
		AWSTemplateFormatVersion: FormatVersion,
		Description: "tip-cli trusted identity propagation: IAM OIDC provider for " +
			opts.IssuerURL + ", OIDC role and identity-enhanced role",
		Resources: Resources{
			{LogicalOIDCProvider, Resource{Type: "AWS::IAM::OIDCProvider", Properties: OIDCProviderProperties{
				URL:            opts.IssuerURL,
				ClientIDList:   slices.Clone(opts.Audiences),
				ThumbprintList: slices.Clone(opts.Thumbprints),
			}}},
			{LogicalOIDCRole, Resource{Type: "AWS::IAM::Role", Properties: oidcRole(key, opts.Audiences)}},
			{LogicalIdEnhancedRole, Resource{Type: "AWS::IAM::Role", Properties: idEnhancedRole(services, opts.MaxSessionDuration)}},
			// A separate resource: inline in OIDCRole it would reference
			// IdEnhancedRole, whose trust policy references OIDCRole — a
			// circular dependency CloudFormation rejects.
			{LogicalOIDCRolePolicy, Resource{Type: "AWS::IAM::RolePolicy", Properties: RolePolicyProperties{
				RoleName:   Ref{Ref: LogicalOIDCRole},
				PolicyName: "tip-assume-identity-enhanced-role",
				PolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
					Sid:      "AssumeIdentityEnhancedRole",
					Effect:   "Allow",
					Action:   []string{"sts:AssumeRole", "sts:SetContext"},
					Resource: NewGetAtt(LogicalIdEnhancedRole, "Arn"),
				}}},
			}}},
		},
		Outputs: Outputs{
			{OutputOIDCRoleArn, Output{Description: "oidc_role_arn of the tip-cli profile", Value: NewGetAtt(LogicalOIDCRole, "Arn")}},
			{OutputIdEnhancedRoleArn, Output{Description: "id_enhanced_role_arn of the tip-cli profile", Value: NewGetAtt(LogicalIdEnhancedRole, "Arn")}},
			{OutputOIDCProviderArn, Output{Description: "ARN of the IAM OIDC identity provider", Value: Ref{Ref: LogicalOIDCProvider}}},
		},
	}
	return t, nil
}

func oidcRole(audKey string, audiences []string) RoleProperties {
	return RoleProperties{
		Description: "tip-cli OIDC role: web identity federation with the IdP, then IAM Identity Center token exchange",
		AssumeRolePolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
			Effect:    "Allow",
			Principal: &Principal{Federated: Ref{Ref: LogicalOIDCProvider}},
			Action:    []string{"sts:AssumeRoleWithWebIdentity"},
			Condition: Condition{"StringEquals": {audKey: slices.Clone(audiences)}},
		}}},
		Policies: []InlinePolicy{{
			PolicyName: "tip-create-token-with-iam",
			PolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
				Sid:      "CreateTokenWithIAM",
				Effect:   "Allow",
				Action:   []string{"sso-oauth:CreateTokenWithIAM"},
				Resource: "*",
			}}},
		}},
	}
}

func idEnhancedRole(services []string, maxSession int) RoleProperties {
	policies := make([]InlinePolicy, 0, len(services))
	for _, s := range services {
		policies = append(policies, InlinePolicy{
			PolicyName:     "tip-" + s,
			PolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: servicePolicy(s)},
		})
	}
	return RoleProperties{
		Description:        "tip-cli identity-enhanced role: carries the IAM Identity Center user's identity context",
		MaxSessionDuration: maxSession,
		AssumeRolePolicyDocument: PolicyDocument{Version: PolicyVersion, Statement: []Statement{{
			Effect:    "Allow",
			Principal: &Principal{AWS: NewGetAtt(LogicalOIDCRole, "Arn")},
			Action:    []string{"sts:AssumeRole", "sts:SetContext"},
		}}},
		Policies: policies,
	}
}

// servicePolicy returns the statements of one service's policy; the
// service name has been validated.
func servicePolicy(service string) []Statement {
	allow := func(sid string, actions ...string) Statement {
		return Statement{Sid: sid, Effect: "Allow", Action: actions, Resource: "*"}
	}
	switch service {
	case ServiceAthena:
		return []Statement{
			allow("Athena",
				"athena:StartQueryExecution", "athena:StopQueryExecution",
				"athena:GetQueryExecution", "athena:GetQueryResults",
				"athena:ListQueryExecutions", "athena:BatchGetQueryExecution",
				"athena:ListWorkGroups", "athena:GetWorkGroup",
				"athena:ListDataCatalogs", "athena:GetDataCatalog",
				"athena:ListDatabases", "athena:GetDatabase",
				"athena:ListTableMetadata", "athena:GetTableMetadata"),
			allow("GlueCatalogRead",
				"glue:GetCatalog", "glue:GetCatalogs",
				"glue:GetDatabase", "glue:GetDatabases",
				"glue:GetTable", "glue:GetTables",
				"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"),
			allow("LakeFormationDataAccess", "lakeformation:GetDataAccess"),
		}
	case ServiceRedshiftData:
		return []Statement{
			allow("RedshiftData",
				"redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement",
				"redshift-data:DescribeStatement", "redshift-data:GetStatementResult",
				"redshift-data:ListStatements",
				"redshift-data:CancelStatement", "redshift-data:ListDatabases",
				"redshift-data:ListSchemas", "redshift-data:ListTables",
				"redshift-data:DescribeTable"),
			allow("RedshiftCredentials",
				"redshift:GetClusterCredentialsWithIAM", "redshift-serverless:GetCredentials"),
		}
	case ServiceS3AG:
		return []Statement{
			allow("S3AccessGrants", "s3:GetDataAccess", "s3:GetAccessGrantsInstanceForPrefix"),
		}
	default: // ServiceQBusiness
		return []Statement{
			allow("QBusiness",
				"qbusiness:Chat", "qbusiness:ChatSync",
				"qbusiness:ListConversations", "qbusiness:ListMessages",
				"qbusiness:DeleteConversation", "qbusiness:PutFeedback",
				"qbusiness:GetApplication", "qbusiness:GetChatControlsConfiguration",
				"qbusiness:ListPlugins", "qbusiness:ListAttachments"),
		}
	}
}
