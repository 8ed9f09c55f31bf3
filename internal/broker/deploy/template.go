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
	logicalTable      = "RegistryTable"
	logicalBrokerRole = "BrokerRole"
	logicalFunction   = "BrokerFunction"
	logicalPermission = "BrokerInvokePermission"
	logicalRestAPI    = "BrokerApi"
	logicalStage      = "BrokerStage"
	// logicalDeploymentPrefix starts the deployment's logical id; a hash
	// of the API definition follows, so that a template whose methods
	// changed creates a new deployment (CloudFormation never redeploys an
	// unchanged AWS::ApiGateway::Deployment).
	logicalDeploymentPrefix = "BrokerDeployment"

	paramCodeBucket = "CodeBucket"
	paramCodeKey    = "CodeKey"

	outputEndpoint              = "Endpoint"
	outputBrokerRoleArn         = "BrokerRoleArn"
	outputTableName             = "TableName"
	outputAccessRoleTrustPolicy = "AccessRoleTrustPolicy"
	// outputAPIEndpoint and outputServiceRoleName are the original
	// sample's output names; APIEndpoint ends in "/" so that the sample's
	// "${endpoint}applications" is the right URL.
	outputAPIEndpoint     = "APIEndpoint"
	outputServiceRoleName = "ServiceRoleName"

	logicalLogGroup = "BrokerLogGroup"
	// logRetentionDays keeps the access log for a quarter.
	logRetentionDays = 90
)

// Environment of the Lambda function and the registry table's key.
const (
	envTable        = "TIP_BROKER_TABLE"
	EnvMode         = "TIP_BROKER_MODE"
	ModeLambda      = "lambda"
	tableHashKey    = "RoleArn"
	functionTimeout = 10 // seconds
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
	tbl := named(logicalTable, "AWS::DynamoDB::Table", table(o.TableName))
	tbl.Resource.DeletionPolicy, tbl.Resource.UpdateReplacePolicy = "Retain", "Retain"
	// The access log is the broker's audit trail: deleting or replacing the
	// stack keeps it (cfn-lint I3011). The function's name is generated, so
	// a new stack never collides with a retained group.
	logs := named(logicalLogGroup, "AWS::Logs::LogGroup", logGroupProperties{
		LogGroupName:    cfn.Sub{Sub: "/aws/lambda/${" + logicalFunction + "}"},
		RetentionInDays: logRetentionDays,
	})
	logs.Resource.DeletionPolicy, logs.Resource.UpdateReplacePolicy = "Retain", "Retain"
	d.Resources = cfn.Resources{
		tbl,
		named(logicalBrokerRole, "AWS::IAM::Role", brokerRole(o.AllowedAccountIDs)),
		named(logicalFunction, "AWS::Lambda::Function", function(o)),
		logs,
		named(logicalRestAPI, "AWS::ApiGateway::RestApi", restAPI(o.AllowedAccountIDs)),
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
		deploymentProperties{RestAPIID: cfn.Ref{Ref: logicalRestAPI}, Description: "tip-broker API"})
	deployment.Resource.DependsOn = methodIDs
	d.Resources = append(d.Resources,
		deployment,
		named(logicalStage, "AWS::ApiGateway::Stage", stage(o, deploymentID)),
		named(logicalPermission, "AWS::Lambda::Permission", permissionProperties{
			Action:       "lambda:InvokeFunction",
			FunctionName: cfn.NewGetAtt(logicalFunction, "Arn"),
			Principal:    "apigateway.amazonaws.com",
			SourceArn:    cfn.Sub{Sub: "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${" + logicalRestAPI + "}/*/*/*"},
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
		{Name: paramCodeBucket, Parameter: cfn.Parameter{Type: "String", Description: "S3 bucket of the Lambda deployment package (same region as the stack)",
			MinLength: 3, MaxLength: 63}},
		{Name: paramCodeKey, Parameter: cfn.Parameter{Type: "String", Description: "S3 key of the deployment package: a zip holding bootstrap, the linux tip-broker binary",
			MinLength: 1, MaxLength: maxS3KeyLen}},
	}
}

func codeLocation(o Options) functionCode {
	if o.CodeS3Bucket == "" {
		return functionCode{S3Bucket: cfn.Ref{Ref: paramCodeBucket}, S3Key: cfn.Ref{Ref: paramCodeKey}}
	}
	return functionCode{S3Bucket: o.CodeS3Bucket, S3Key: o.CodeS3Key}
}

func table(name string) tableProperties {
	return tableProperties{
		TableName:                        name,
		BillingMode:                      "PAY_PER_REQUEST",
		AttributeDefinitions:             []attributeDefinition{{AttributeName: tableHashKey, AttributeType: "S"}},
		KeySchema:                        []keySchemaElement{{AttributeName: tableHashKey, KeyType: "HASH"}},
		PointInTimeRecoverySpecification: pointInTimeRecovery{PointInTimeRecoveryEnabled: true},
		SSESpecification:                 sseSpecification{SSEEnabled: true},
	}
}

func function(o Options) functionProperties {
	return functionProperties{
		Description:   "tip-broker: verifies end-user JWTs and returns session-tagged credentials of registered access roles",
		Runtime:       "provided.al2023",
		Handler:       "bootstrap",
		Architectures: []string{o.Architecture},
		MemorySize:    o.MemorySize,
		Timeout:       functionTimeout,
		Role:          cfn.NewGetAtt(logicalBrokerRole, "Arn"),
		Code:          codeLocation(o),
		Environment: functionEnvironment{Variables: map[string]any{
			envTable: cfn.Ref{Ref: logicalTable},
			EnvMode:  ModeLambda,
		}},
	}
}

func apiResource(pathPart string) apiResourceProperties {
	return apiResourceProperties{
		RestAPIID: cfn.Ref{Ref: logicalRestAPI},
		ParentID:  cfn.NewGetAtt(logicalRestAPI, "RootResourceId"),
		PathPart:  pathPart,
	}
}

// method is one API method: AWS_IAM authorization everywhere except the
// table's public routes (the health check).
func method(r route) methodProperties {
	auth := "AWS_IAM"
	if r.public {
		auth = "NONE"
	}
	return methodProperties{
		RestAPIID:         cfn.Ref{Ref: logicalRestAPI},
		ResourceID:        cfn.Ref{Ref: r.resource},
		HTTPMethod:        r.method,
		AuthorizationType: auth,
		Integration: integration{
			Type:                  "AWS_PROXY",
			IntegrationHTTPMethod: "POST",
			URI: cfn.Sub{Sub: "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${" +
				logicalFunction + ".Arn}/invocations"},
		},
	}
}

func stage(o Options, deploymentID string) stageProperties {
	return stageProperties{
		RestAPIID:    cfn.Ref{Ref: logicalRestAPI},
		DeploymentID: cfn.Ref{Ref: deploymentID},
		StageName:    o.Stage,
		Description:  "tip-broker stage; throttling here protects the whole API, the broker also limits each caller",
		MethodSettings: []methodSetting{{
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
	return logicalDeploymentPrefix + hex.EncodeToString(sum[:5]), nil
}

// outputs names the stage literally in the endpoint (not ${BrokerStage}):
// the value is the same, and emulations that skip the Stage resource
// (moto) still resolve it.
func outputs(stage string) (cfn.Outputs, error) {
	trust, err := json.Marshal(accessRoleTrustPolicy("${"+logicalBrokerRole+".Arn}",
		"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/APPLICATION-ROLE-NAME"))
	if err != nil {
		return nil, fmt.Errorf("encode access role trust policy: %w", err)
	}
	endpoint := "https://${" + logicalRestAPI + "}.execute-api.${AWS::Region}.${AWS::URLSuffix}/" + stage
	return cfn.Outputs{
		{Name: outputEndpoint, Output: cfn.Output{Description: "tip-broker endpoint (--endpoint of the tip-broker client commands)",
			Value: cfn.Sub{Sub: endpoint}}},
		{Name: outputAPIEndpoint, Output: cfn.Output{Description: "the endpoint with a trailing /, as the original sample names it",
			Value: cfn.Sub{Sub: endpoint + "/"}}},
		{Name: outputServiceRoleName, Output: cfn.Output{Description: "the broker service role's name, as the original sample names it",
			Value: cfn.Ref{Ref: logicalBrokerRole}}},
		{Name: outputBrokerRoleArn, Output: cfn.Output{Description: "the broker service role: the principal access role trust policies must allow",
			Value: cfn.NewGetAtt(logicalBrokerRole, "Arn")}},
		{Name: outputTableName, Output: cfn.Output{Description: "DynamoDB table of application registrations",
			Value: cfn.Ref{Ref: logicalTable}}},
		{Name: outputAccessRoleTrustPolicy, Output: cfn.Output{
			Description: "Trust policy for each application's access role (replace APPLICATION-ROLE-NAME with the " +
				"application's role): Principal AWS = BrokerRoleArn, Action sts:AssumeRole and sts:TagSession, " +
				"only with sts:ExternalId = the application's role ARN. Tag the access role " + accessRoleTagKey + "=" + accessRoleTagValue +
				" too: the broker role may assume only roles with that tag. This trust policy decides for whom the broker can assume the role; " +
				"the broker refuses to register a role without the condition.",
			Value: cfn.Sub{Sub: string(trust)}}},
	}, nil
}
