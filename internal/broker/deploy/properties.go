package deploy

import "github.com/tip-cli/tip-cli/internal/cfn"

// Property structs of the resource types the broker template uses, with
// only the properties it sets (IAM roles use cfn.RoleProperties). Fields
// typed any hold a literal or an intrinsic (cfn.Ref, cfn.GetAtt, cfn.Sub).

// tableProperties are the properties of AWS::DynamoDB::Table.
type tableProperties struct {
	TableName                        string                `yaml:"TableName,omitempty" json:"TableName,omitempty"`
	BillingMode                      string                `yaml:"BillingMode" json:"BillingMode"`
	AttributeDefinitions             []attributeDefinition `yaml:"AttributeDefinitions" json:"AttributeDefinitions"`
	KeySchema                        []keySchemaElement    `yaml:"KeySchema" json:"KeySchema"`
	PointInTimeRecoverySpecification pointInTimeRecovery   `yaml:"PointInTimeRecoverySpecification" json:"PointInTimeRecoverySpecification"`
	SSESpecification                 sseSpecification      `yaml:"SSESpecification" json:"SSESpecification"`
}

// attributeDefinition declares a key attribute of a DynamoDB table.
type attributeDefinition struct {
	AttributeName string `yaml:"AttributeName" json:"AttributeName"`
	AttributeType string `yaml:"AttributeType" json:"AttributeType"`
}

// keySchemaElement is one key of a DynamoDB table (HASH or RANGE).
type keySchemaElement struct {
	AttributeName string `yaml:"AttributeName" json:"AttributeName"`
	KeyType       string `yaml:"KeyType" json:"KeyType"`
}

// pointInTimeRecovery switches continuous backups of a table.
type pointInTimeRecovery struct {
	PointInTimeRecoveryEnabled bool `yaml:"PointInTimeRecoveryEnabled" json:"PointInTimeRecoveryEnabled"`
}

// sseSpecification switches server-side encryption with the AWS managed
// KMS key (instead of the DynamoDB-owned key).
type sseSpecification struct {
	SSEEnabled bool `yaml:"SSEEnabled" json:"SSEEnabled"`
}

// functionProperties are the properties of AWS::Lambda::Function.
type functionProperties struct {
	Description   string              `yaml:"Description,omitempty" json:"Description,omitempty"`
	Runtime       string              `yaml:"Runtime" json:"Runtime"`
	Handler       string              `yaml:"Handler" json:"Handler"`
	Architectures []string            `yaml:"Architectures" json:"Architectures"`
	MemorySize    int                 `yaml:"MemorySize" json:"MemorySize"`
	Timeout       int                 `yaml:"Timeout" json:"Timeout"`
	Role          any                 `yaml:"Role" json:"Role"`
	Code          functionCode        `yaml:"Code" json:"Code"`
	Environment   functionEnvironment `yaml:"Environment" json:"Environment"`
}

// functionCode locates the deployment package in S3.
type functionCode struct {
	S3Bucket any `yaml:"S3Bucket" json:"S3Bucket"`
	S3Key    any `yaml:"S3Key" json:"S3Key"`
}

// functionEnvironment holds the function's environment variables; both
// encoders sort the map keys.
type functionEnvironment struct {
	Variables map[string]any `yaml:"Variables" json:"Variables"`
}

// permissionProperties are the properties of AWS::Lambda::Permission.
type permissionProperties struct {
	Action       string `yaml:"Action" json:"Action"`
	FunctionName any    `yaml:"FunctionName" json:"FunctionName"`
	Principal    string `yaml:"Principal" json:"Principal"`
	SourceArn    any    `yaml:"SourceArn" json:"SourceArn"`
}

// restAPIProperties are the properties of AWS::ApiGateway::RestApi.
// Policy is the API's resource policy (nil: none, which admits only
// principals of the API's own account under AWS_IAM authorization).
type restAPIProperties struct {
	Name                  any                   `yaml:"Name" json:"Name"`
	Description           string                `yaml:"Description,omitempty" json:"Description,omitempty"`
	EndpointConfiguration endpointConfiguration `yaml:"EndpointConfiguration" json:"EndpointConfiguration"`
	Policy                *cfn.PolicyDocument   `yaml:"Policy,omitempty" json:"Policy,omitempty"`
}

// endpointConfiguration selects the API endpoint type (REGIONAL).
type endpointConfiguration struct {
	Types []string `yaml:"Types" json:"Types"`
}

// apiResourceProperties are the properties of AWS::ApiGateway::Resource
// (one path segment).
type apiResourceProperties struct {
	RestAPIID any    `yaml:"RestApiId" json:"RestApiId"`
	ParentID  any    `yaml:"ParentId" json:"ParentId"`
	PathPart  string `yaml:"PathPart" json:"PathPart"`
}

// methodProperties are the properties of AWS::ApiGateway::Method.
type methodProperties struct {
	RestAPIID         any         `yaml:"RestApiId" json:"RestApiId"`
	ResourceID        any         `yaml:"ResourceId" json:"ResourceId"`
	HTTPMethod        string      `yaml:"HttpMethod" json:"HttpMethod"`
	AuthorizationType string      `yaml:"AuthorizationType" json:"AuthorizationType"`
	Integration       integration `yaml:"Integration" json:"Integration"`
}

// integration is a method's backend: AWS_PROXY to the Lambda function.
type integration struct {
	Type                  string `yaml:"Type" json:"Type"`
	IntegrationHTTPMethod string `yaml:"IntegrationHttpMethod" json:"IntegrationHttpMethod"`
	URI                   any    `yaml:"Uri" json:"Uri"`
}

// deploymentProperties are the properties of AWS::ApiGateway::Deployment.
type deploymentProperties struct {
	RestAPIID   any    `yaml:"RestApiId" json:"RestApiId"`
	Description string `yaml:"Description,omitempty" json:"Description,omitempty"`
}

// stageProperties are the properties of AWS::ApiGateway::Stage.
type stageProperties struct {
	RestAPIID      any             `yaml:"RestApiId" json:"RestApiId"`
	DeploymentID   any             `yaml:"DeploymentId" json:"DeploymentId"`
	StageName      string          `yaml:"StageName" json:"StageName"`
	Description    string          `yaml:"Description,omitempty" json:"Description,omitempty"`
	MethodSettings []methodSetting `yaml:"MethodSettings" json:"MethodSettings"`
}

// methodSetting configures the methods a ResourcePath/HttpMethod pattern
// selects ("/*" and "*": all of them).
type methodSetting struct {
	ResourcePath         string  `yaml:"ResourcePath" json:"ResourcePath"`
	HTTPMethod           string  `yaml:"HttpMethod" json:"HttpMethod"`
	ThrottlingBurstLimit int     `yaml:"ThrottlingBurstLimit" json:"ThrottlingBurstLimit"`
	ThrottlingRateLimit  float64 `yaml:"ThrottlingRateLimit" json:"ThrottlingRateLimit"`
}

// logGroupProperties is an AWS::Logs::LogGroup: the function's log group,
// created by the stack so that it has a retention (Lambda's own would
// keep logs forever).
type logGroupProperties struct {
	LogGroupName    any `json:"LogGroupName" yaml:"LogGroupName"`
	RetentionInDays int `json:"RetentionInDays" yaml:"RetentionInDays"`
}
