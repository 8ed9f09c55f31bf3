package deploy

import "github.com/tip-cli/tip-cli/internal/cfn"

// accessRoleActions are the actions the broker role needs on an access
// role, and so the actions an access role's trust policy must allow it.
func accessRoleActions() []string { return []string{"sts:AssumeRole", "sts:TagSession"} }

// The tag an access role must carry for the template's broker role to
// assume it (aws:ResourceTag on sts:AssumeRole and sts:TagSession). IAM's
// "Controlling access to and for IAM users and roles using tags" names
// aws:ResourceTag for role resources; its older "assume roles that have a
// specific tag" example writes the IAM-specific iam:ResourceTag, which
// reads the same tags.
const (
	accessRoleTagKey   = "tip-broker-access"
	accessRoleTagValue = "true"
)

// brokerRole is the Lambda function's role: registry reads and writes,
// AssumeRole+TagSession on access roles, and CloudWatch Logs.
//
// The role may assume roles in the accounts whose principals can reach
// the API (its own, plus allowedAccounts), by any name — which
// application owns which access role is only known at run time — but only
// roles tagged accessRoleTagKey=accessRoleTagValue: a role an
// administrator has not marked as an access role stays out of reach even
// if its trust policy is too broad. The real gate remains each access
// role's trust policy, which must name this role with the application's
// ExternalId (see AccessRoleTrustPolicy); the broker itself only assumes
// arn:…:iam::<caller account>:role/<registered name>.
func brokerRole(allowedAccounts []string) cfn.RoleProperties {
	roles := []any{cfn.Sub{Sub: "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*"}}
	for _, a := range allowedAccounts {
		roles = append(roles, cfn.Sub{Sub: "arn:${AWS::Partition}:iam::" + a + ":role/*"})
	}
	return cfn.RoleProperties{
		Description: "tip-broker service role: assumes registered access roles with a session tag; " +
			"each access role must be tagged " + accessRoleTagKey + "=" + accessRoleTagValue +
			" and its trust policy must allow this role sts:AssumeRole and sts:TagSession",
		AssumeRolePolicyDocument: cfn.PolicyDocument{Version: cfn.PolicyVersion, Statement: []cfn.Statement{{
			Effect:    "Allow",
			Principal: &cfn.Principal{Service: "lambda.amazonaws.com"},
			Action:    []string{"sts:AssumeRole"},
		}}},
		ManagedPolicyArns: []any{cfn.Sub{Sub: "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}},
		Policies: []cfn.InlinePolicy{
			{PolicyName: "tip-broker-registry", PolicyDocument: cfn.PolicyDocument{Version: cfn.PolicyVersion, Statement: []cfn.Statement{{
				Sid:      "Registry",
				Effect:   "Allow",
				Action:   []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"},
				Resource: cfn.NewGetAtt(logicalTable, "Arn"),
			}}}},
			{PolicyName: "tip-broker-assume-access-roles", PolicyDocument: cfn.PolicyDocument{Version: cfn.PolicyVersion, Statement: []cfn.Statement{{
				Sid:      "AssumeAccessRoles",
				Effect:   "Allow",
				Action:   accessRoleActions(),
				Resource: roles,
				Condition: cfn.Condition{"StringEquals": {
					"aws:ResourceTag/" + accessRoleTagKey: {accessRoleTagValue},
				}},
			}}}},
		},
	}
}

// restAPI is the REST API; with allowedAccounts it carries the resource
// policy that admits those accounts' principals (AWS_IAM authorization
// then needs both their IAM policy and this policy to allow the call).
func restAPI(allowedAccounts []string) restAPIProperties {
	p := restAPIProperties{
		Name:                  cfn.Sub{Sub: "${AWS::StackName}-tip-broker"},
		Description:           "tip-broker API: every method requires AWS_IAM (SigV4) authorization",
		EndpointConfiguration: endpointConfiguration{Types: []string{"REGIONAL"}},
	}
	if len(allowedAccounts) == 0 {
		return p
	}
	principals := make([]any, len(allowedAccounts))
	for i, a := range allowedAccounts {
		principals[i] = cfn.Sub{Sub: "arn:${AWS::Partition}:iam::" + a + ":root"}
	}
	p.Policy = &cfn.PolicyDocument{Version: cfn.PolicyVersion, Statement: []cfn.Statement{{
		Sid:       "AllowedAccounts",
		Effect:    "Allow",
		Principal: &cfn.Principal{AWS: principals},
		Action:    []string{"execute-api:Invoke"},
		Resource:  "execute-api:/*",
	}}}
	return p
}

// accessRoleTrustPolicy returns the trust policy (an IAM policy document
// as JSON-ready data) an application attaches to its access role so that
// the broker role brokerRoleARN (the BrokerRoleArn output) may assume it
// with a session tag, on behalf of the application applicationRoleARN
// only: the broker sends the application's role ARN as sts:ExternalId
// and the condition makes STS refuse any other value, so no other
// application can have this role assumed (the confused deputy).
func accessRoleTrustPolicy(brokerRoleARN, applicationRoleARN string) map[string]any {
	return map[string]any{
		"Version": cfn.PolicyVersion,
		"Statement": []any{map[string]any{
			"Sid":       "TipBroker",
			"Effect":    "Allow",
			"Principal": map[string]any{"AWS": brokerRoleARN},
			"Action":    accessRoleActions(),
			"Condition": map[string]any{"StringEquals": map[string]any{"sts:ExternalId": applicationRoleARN}},
		}},
	}
}
