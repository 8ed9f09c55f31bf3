package app

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// createTable makes the registrations table in moto, as the template would.
func createTable(t *testing.T, motoURL, table string) {
	t.Helper()
	cfg := aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(motoURL) })
	if err := registry.CreateDynamoDBTable(context.Background(), db, table); err != nil {
		t.Fatal(err)
	}
}
