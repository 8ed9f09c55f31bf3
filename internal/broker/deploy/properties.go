package deploy

import "github.com/tip-cli/tip-cli/internal/cfn"

// Property structs of the resource types the broker template uses, with
// only the properties it sets (IAM roles use cfn.RoleProperties). Fields
// typed any hold a literal or an intrinsic (cfn.Ref, cfn.GetAtt, cfn.Sub).

// TableProperties are the properties of AWS::DynamoDB::Table.
type TableProperties struct {
	TableName                        string                `yaml:"TableName,omitempty" json:"TableName,omitempty"`
	BillingMode                      string                `yaml:"BillingMode" json:"BillingMode"`
	AttributeDefinitions             []AttributeDefinition `yaml:"AttributeDefinitions" json:"AttributeDefinitions"`
	KeySchema                        []KeySchemaElement    `yaml:"KeySchema" json:"KeySchema"`
	PointInTimeRecoverySpecification PointInTimeRecovery   `yaml:"PointInTimeRecoverySpecification" json:"PointInTimeRecoverySpecification"`
	SSESpecification                 SSESpecification      `yaml:"SSESpecification" json:"SSESpecification"`
}

// AttributeDefinition declares a key attribute of a DynamoDB table.
type AttributeDefinition struct {
	AttributeName string `yaml:"AttributeName" json:"AttributeName"`
	AttributeType string `yaml:"AttributeType" json:"AttributeType"`
}

// KeySchemaElement is one key of a DynamoDB table (HASH or RANGE).
type KeySchemaElement struct {
	AttributeName string `yaml:"AttributeName" json:"AttributeName"`
	KeyType       string `yaml:"KeyType" json:"KeyType"`
}

// PointInTimeRecovery switches continuous backups of a table.
type PointInTimeRecovery struct {
	PointInTimeRecoveryEnabled bool `yaml:"PointInTimeRecoveryEnabled" json:"PointInTimeRecoveryEnabled"`
}

// SSESpecification switches server-side encryption with the AWS managed
// KMS key (instead of the DynamoDB-owned key).
type SSESpecification struct {
	SSEEnabled bool `yaml:"SSEEnabled" json:"SSEEnabled"`
}

// FunctionProperties are the properties of AWS::Lambda::Function.
type FunctionProperties struct {
	Description   string              `yaml:"Description,omitempty" json:"Description,omitempty"`
	Runtime       string              `yaml:"Runtime" json:"Runtime"`
	Handler       string              `yaml:"Handler" json:"Handler"`
	Architectures []string            `yaml:"Architectures" json:"Architectures"`
	MemorySize    int                 `yaml:"MemorySize" json:"MemorySize"`
	Timeout       int                 `yaml:"Timeout" json:"Timeout"`
	Role          any                 `yaml:"Role" json:"Role"`
	Code          FunctionCode        `yaml:"Code" json:"Code"`
	Environment   FunctionEnvironment `yaml:"Environment" json:"Environment"`
}

// FunctionCode locates the deployment package in S3.
type FunctionCode struct {
	S3Bucket any `yaml:"S3Bucket" json:"S3Bucket"`
	S3Key    any `yaml:"S3Key" json:"S3Key"`
}

// FunctionEnvironment holds the function's environment variables; both
// encoders sort the map keys.
type FunctionEnvironment struct {
	Variables map[string]any `yaml:"Variables" json:"Variables"`
}

// PermissionProperties are the properties of AWS::Lambda::Permission.
type PermissionProperties struct {
	Action       string `yaml:"Action" json:"Action"`
	FunctionName any    `yaml:"FunctionName" json:"FunctionName"`
	Principal    string `yaml:"Principal" json:"Principal"`
	SourceArn    any    `yaml:"SourceArn" json:"SourceArn"`
}

// RestAPIProperties are the properties of AWS::ApiGateway::RestApi.
// Policy is the API's resource policy (nil: none, which admits only
// principals of the API's own account under AWS_IAM authorization).
type RestAPIProperties struct {
	Name                  any                   `yaml:"Name" json:"Name"`
	Description           string                `yaml:"Description,omitempty" json:"Description,omitempty"`
	EndpointConfiguration EndpointConfiguration `yaml:"EndpointConfiguration" json:"EndpointConfiguration"`
	Policy                *cfn.PolicyDocument   `yaml:"Policy,omitempty" json:"Policy,omitempty"`
}

// EndpointConfiguration selects the API endpoint type (REGIONAL).
type EndpointConfiguration struct {
	Types []string `yaml:"Types" json:"Types"`
}

// APIResourceProperties are the properties of AWS::ApiGateway::Resource
// (one path segment).
type APIResourceProperties struct {
	RestAPIID any    `yaml:"RestApiId" json:"RestApiId"`
	ParentID  any    `yaml:"ParentId" json:"ParentId"`
	PathPart  string `yaml:"PathPart" json:"PathPart"`
}

// MethodProperties are the properties of AWS::ApiGateway::Method.
type MethodProperties struct {
	RestAPIID         any         `yaml:"RestApiId" json:"RestApiId"`
	ResourceID        any         `yaml:"ResourceId" json:"ResourceId"`
	HTTPMethod        string      `yaml:"HttpMethod" json:"HttpMethod"`
	AuthorizationType string      `yaml:"AuthorizationType" json:"AuthorizationType"`
	Integration       Integration `yaml:"Integration" json:"Integration"`
}

// Integration is a method's backend: AWS_PROXY to the Lambda function.
type Integration struct {
	Type                  string `yaml:"Type" json:"Type"`
	IntegrationHTTPMethod string `yaml:"IntegrationHttpMethod" json:"IntegrationHttpMethod"`
	URI                   any    `yaml:"Uri" json:"Uri"`
}

// DeploymentProperties are the properties of AWS::ApiGateway::Deployment.
type DeploymentProperties struct {
	RestAPIID   any    `yaml:"RestApiId" json:"RestApiId"`
	Description string `yaml:"Description,omitempty" json:"Description,omitempty"`
}

// StageProperties are the properties of AWS::ApiGateway::Stage.
type StageProperties struct {
	RestAPIID      any             `yaml:"RestApiId" json:"RestApiId"`
	DeploymentID   any             `yaml:"DeploymentId" json:"DeploymentId"`
	StageName      string          `yaml:"StageName" json:"StageName"`
	Description    string          `yaml:"Description,omitempty" json:"Description,omitempty"`
	MethodSettings []MethodSetting `yaml:"MethodSettings" json:"MethodSettings"`
}

// MethodSetting configures the methods a ResourcePath/HttpMethod pattern
// selects ("/*" and "*": all of them).
type MethodSetting struct {
	ResourcePath         string  `yaml:"ResourcePath" json:"ResourcePath"`
	HTTPMethod           string  `yaml:"HttpMethod" json:"HttpMethod"`
	ThrottlingBurstLimit int     `yaml:"ThrottlingBurstLimit" json:"ThrottlingBurstLimit"`
	ThrottlingRateLimit  float64 `yaml:"ThrottlingRateLimit" json:"ThrottlingRateLimit"`
}

// LogGroupProperties is an AWS::Logs::LogGroup: the function's log group,
// created by the stack so that it has a retention (Lambda's own would
// keep logs forever).
type LogGroupProperties struct {
	LogGroupName    any `json:"LogGroupName" yaml:"LogGroupName"`
	RetentionInDays int `json:"RetentionInDays" yaml:"RetentionInDays"`
}
