// Package deploy builds the CloudFormation template of tip-broker's Lambda
// mode (the scale-out path): a DynamoDB registry table, the broker service
// role, the Lambda function and an API Gateway REST API whose methods all
// require AWS_IAM (SigV4) authorization.
//
// The template is a *cfn.Template: it uses internal/cfn's model
// (parameters, resources with attributes, IAM policies, intrinsics,
// deterministic YAML and JSON) and adds only the property types of the
// DynamoDB, Lambda and API Gateway resources.
package deploy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/tip-cli/tip-cli/internal/cfn"
)

// Logical ids, parameter and output names of the template.
const (
	LogicalTable      = "RegistryTable"
	LogicalBrokerRole = "BrokerRole"
	LogicalFunction   = "BrokerFunction"
	LogicalPermission = "BrokerInvokePermission"
	LogicalRestAPI    = "BrokerApi"
	LogicalStage      = "BrokerStage"
	// LogicalDeploymentPrefix starts the deployment's logical id; a hash
	// of the API definition follows, so that a template whose methods
	// changed creates a new deployment (CloudFormation never redeploys an
	// unchanged AWS::ApiGateway::Deployment).
	LogicalDeploymentPrefix = "BrokerDeployment"

	ParamCodeBucket = "CodeBucket"
	ParamCodeKey    = "CodeKey"

	OutputEndpoint              = "Endpoint"
	OutputBrokerRoleArn         = "BrokerRoleArn"
	OutputTableName             = "TableName"
	OutputAccessRoleTrustPolicy = "AccessRoleTrustPolicy"
	// OutputAPIEndpoint and OutputServiceRoleName are the original
	// sample's output names; APIEndpoint ends in "/" so that the sample's
	// "${endpoint}applications" is the right URL.
	OutputAPIEndpoint     = "APIEndpoint"
	OutputServiceRoleName = "ServiceRoleName"

	LogicalLogGroup = "BrokerLogGroup"
	// LogRetentionDays keeps the access log for a quarter.
	LogRetentionDays = 90
)

// Environment of the Lambda function and the registry table's key.
const (
	EnvTable        = "TIP_BROKER_TABLE"
	EnvMode         = "TIP_BROKER_MODE"
	ModeLambda      = "lambda"
	TableHashKey    = "RoleArn"
	FunctionTimeout = 10 // seconds
)

// Template validates o and returns the Lambda-mode template; its YAML and
// JSON methods encode it.
func Template(o Options) (*cfn.Template, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	d := &cfn.Template{
		AWSTemplateFormatVersion: cfn.FormatVersion,
		Description: "tip-broker (IAM Session Broker), Lambda mode: API Gateway REST API with AWS_IAM " +
			"authorization, Lambda function, DynamoDB registry table and the broker service role. " +
			"Applications let the broker role assume their access role (see the AccessRoleTrustPolicy output).",
		Parameters: codeParameters(o),
	}
	tbl := named(LogicalTable, "AWS::DynamoDB::Table", table(o.TableName))
	tbl.Resource.DeletionPolicy, tbl.Resource.UpdateReplacePolicy = "Retain", "Retain"
	// The access log is the broker's audit trail: deleting or replacing the
	// stack keeps it (cfn-lint I3011). The function's name is generated, so
	// a new stack never collides with a retained group.
	logs := named(LogicalLogGroup, "AWS::Logs::LogGroup", LogGroupProperties{
		LogGroupName:    cfn.Sub{Sub: "/aws/lambda/${" + LogicalFunction + "}"},
		RetentionInDays: LogRetentionDays,
	})
	logs.Resource.DeletionPolicy, logs.Resource.UpdateReplacePolicy = "Retain", "Retain"
	d.Resources = cfn.Resources{
		tbl,
		named(LogicalBrokerRole, "AWS::IAM::Role", brokerRole(o.AllowedAccountIDs)),
		named(LogicalFunction, "AWS::Lambda::Function", function(o)),
		logs,
		named(LogicalRestAPI, "AWS::ApiGateway::RestApi", restAPI(o.AllowedAccountIDs)),
	}
	rts, err := routes()
	if err != nil {
		return nil, err
	}
	for _, r := range rts {
		if !slices.ContainsFunc(d.Resources, func(n cfn.NamedResource) bool { return n.LogicalID == r.resource }) {
			d.Resources = append(d.Resources, named(r.resource, "AWS::ApiGateway::Resource", apiResource(r.pathPart)))
		}
	}
	var methodIDs []string
	for _, r := range rts {
		d.Resources = append(d.Resources, named(r.logicalID, "AWS::ApiGateway::Method", method(r)))
		methodIDs = append(methodIDs, r.logicalID)
	}
	deploymentID, err := deploymentLogicalID(d.Resources)
	if err != nil {
		return nil, err
	}
	deployment := named(deploymentID, "AWS::ApiGateway::Deployment",
		DeploymentProperties{RestAPIID: cfn.Ref{Ref: LogicalRestAPI}, Description: "tip-broker API"})
	deployment.Resource.DependsOn = methodIDs
	d.Resources = append(d.Resources,
		deployment,
		named(LogicalStage, "AWS::ApiGateway::Stage", stage(o, deploymentID)),
		named(LogicalPermission, "AWS::Lambda::Permission", PermissionProperties{
			Action:       "lambda:InvokeFunction",
			FunctionName: cfn.NewGetAtt(LogicalFunction, "Arn"),
			Principal:    "apigateway.amazonaws.com",
			SourceArn:    cfn.Sub{Sub: "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + LogicalRestAPI + "}/*/*/*"},
		}),
	)
	d.Outputs, err = outputs(o.Stage)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// named is the resource logicalID of type typ with properties props.
func named(logicalID, typ string, props any) cfn.NamedResource {
	return cfn.NamedResource{LogicalID: logicalID, Resource: cfn.Resource{Type: typ, Properties: props}}
}

// codeParameters declares CodeBucket/CodeKey when o leaves the code
// location to deploy time.
func codeParameters(o Options) cfn.Parameters {
	if o.CodeS3Bucket != "" {
		return nil
	}
	return cfn.Parameters{
		{Name: ParamCodeBucket, Parameter: cfn.Parameter{Type: "String", Description: "S3 bucket of the Lambda deployment package (same region as the stack)",
			MinLength: 3, MaxLength: 63}},
		{Name: ParamCodeKey, Parameter: cfn.Parameter{Type: "String", Description: "S3 key of the deployment package: a zip holding bootstrap, the linux tip-broker binary",
			MinLength: 1, MaxLength: maxS3KeyLen}},
	}
}

func codeLocation(o Options) FunctionCode {
	if o.CodeS3Bucket == "" {
		return FunctionCode{S3Bucket: cfn.Ref{Ref: ParamCodeBucket}, S3Key: cfn.Ref{Ref: ParamCodeKey}}
	}
	return FunctionCode{S3Bucket: o.CodeS3Bucket, S3Key: o.CodeS3Key}
}

func table(name string) TableProperties {
	return TableProperties{
		TableName:                        name,
		BillingMode:                      "PAY_PER_REQUEST",
		AttributeDefinitions:             []AttributeDefinition{{AttributeName: TableHashKey, AttributeType: "S"}},
		KeySchema:                        []KeySchemaElement{{AttributeName: TableHashKey, KeyType: "HASH"}},
		PointInTimeRecoverySpecification: PointInTimeRecovery{PointInTimeRecoveryEnabled: true},
		SSESpecification:                 SSESpecification{SSEEnabled: true},
	}
}

func function(o Options) FunctionProperties {
	return FunctionProperties{
		Description:   "tip-broker: verifies end-user JWTs and returns session-tagged credentials of registered access roles",
		Runtime:       "provided.al2023",
		Handler:       "bootstrap",
		Architectures: []string{o.Architecture},
		MemorySize:    o.MemorySize,
		Timeout:       FunctionTimeout,
		Role:          cfn.NewGetAtt(LogicalBrokerRole, "Arn"),
		Code:          codeLocation(o),
		Environment: FunctionEnvironment{Variables: map[string]any{
			EnvTable: cfn.Ref{Ref: LogicalTable},
			EnvMode:  ModeLambda,
		}},
	}
}

func apiResource(pathPart string) APIResourceProperties {
	return APIResourceProperties{
		RestAPIID: cfn.Ref{Ref: LogicalRestAPI},
		ParentID:  cfn.NewGetAtt(LogicalRestAPI, "RootResourceId"),
		PathPart:  pathPart,
	}
}

// method is one API method: AWS_IAM authorization everywhere except the
// table's public routes (the health check).
func method(r route) MethodProperties {
	auth := "AWS_IAM"
	if r.public {
		auth = "NONE"
	}
	return MethodProperties{
		RestAPIID:         cfn.Ref{Ref: LogicalRestAPI},
		ResourceID:        cfn.Ref{Ref: r.resource},
		HTTPMethod:        r.method,
		AuthorizationType: auth,
		Integration: Integration{
			Type:                  "AWS_PROXY",
			IntegrationHTTPMethod: "POST",
			URI: cfn.Sub{Sub: "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" +
				LogicalFunction + ".Arn}/invocations"},
		},
	}
}

func stage(o Options, deploymentID string) StageProperties {
	return StageProperties{
		RestAPIID:    cfn.Ref{Ref: LogicalRestAPI},
		DeploymentID: cfn.Ref{Ref: deploymentID},
		StageName:    o.Stage,
		Description:  "tip-broker stage; throttling here protects the whole API, the broker also limits each caller",
		MethodSettings: []MethodSetting{{
			ResourcePath:         "/*",
			HTTPMethod:           "*",
			ThrottlingBurstLimit: o.ThrottleBurst,
			ThrottlingRateLimit:  o.ThrottleRate,
		}},
	}
}

// deploymentLogicalID hashes the API definition (the AWS::ApiGateway::*
// resources so far: REST API, resources and methods) into the
// deployment's logical id.
func deploymentLogicalID(res cfn.Resources) (string, error) {
	var api cfn.Resources
	for _, nr := range res {
		if strings.HasPrefix(nr.Resource.Type, "AWS::ApiGateway::") {
			api = append(api, nr)
		}
	}
	b, err := json.Marshal(api)
	if err != nil {
		return "", fmt.Errorf("hash api definition: %w", err)
	}
	sum := sha256.Sum256(b)
	return LogicalDeploymentPrefix + hex.EncodeToString(sum[:5]), nil
}

// outputs names the stage literally in the endpoint (not ${BrokerStage}):
// the value is the same, and emulations that skip the Stage resource
// (moto) still resolve it.
func outputs(stage string) (cfn.Outputs, error) {
	trust, err := json.Marshal(AccessRoleTrustPolicy("${"+LogicalBrokerRole+".Arn}",
		"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/APPLICATION-ROLE-NAME"))
	if err != nil {
		return nil, fmt.Errorf("encode access role trust policy: %w", err)
	}
	endpoint := "https://${" + LogicalRestAPI + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage
	return cfn.Outputs{
		{Name: OutputEndpoint, Output: cfn.Output{Description: "tip-broker endpoint (--endpoint of the tip-broker client commands)",
			Value: cfn.Sub{Sub: endpoint}}},
		{Name: OutputAPIEndpoint, Output: cfn.Output{Description: "the endpoint with a trailing /, as the original sample names it",
			Value: cfn.Sub{Sub: endpoint + "/"}}},
		{Name: OutputServiceRoleName, Output: cfn.Output{Description: "the broker service role's name, as the original sample names it",
			Value: cfn.Ref{Ref: LogicalBrokerRole}}},
		{Name: OutputBrokerRoleArn, Output: cfn.Output{Description: "the broker service role: the principal access role trust policies must allow",
			Value: cfn.NewGetAtt(LogicalBrokerRole, "Arn")}},
		{Name: OutputTableName, Output: cfn.Output{Description: "DynamoDB table of application registrations",
			Value: cfn.Ref{Ref: LogicalTable}}},
		{Name: OutputAccessRoleTrustPolicy, Output: cfn.Output{
			Description: "Trust policy for each application's access role (replace APPLICATION-ROLE-NAME with the " +
				"application's role): Principal AWS = BrokerRoleArn, Action sts:AssumeRole and sts:TagSession, " +
				"only with sts:ExternalId = the application's role ARN. Tag the access role " + AccessRoleTagKey + "=" + AccessRoleTagValue +
				" too: the broker role may assume only roles with that tag. This trust policy decides for whom the broker can assume the role; " +
				"the broker refuses to register a role without the condition.",
			Value: cfn.Sub{Sub: string(trust)}}},
	}, nil
}
