package server_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
)

// TestMotoService runs the service suite on the DynamoDB store (moto), so
// the embedded and DynamoDB stores are proven interchangeable at the API.
func TestMotoService(t *testing.T) {
	motoURL := os.Getenv("TIP_CLI_TEST_MOTO_URL")
	if motoURL == "" {
		t.Skip("set TIP_CLI_TEST_MOTO_URL to a running moto_server to run the service suite on DynamoDB")
	}
	// The SDK's default retries, as in production: a fresh moto under
	// parallel test packages can drop a connection.
	cfg := aws.Config{Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(motoURL) })
	n := 0
	runServiceSuite(t, func(t *testing.T) registry.Store {
		n++
		table := fmt.Sprintf("svc-%s-%d", rand.Text(), n) // unique against a shared moto: a clock can repeat
		if err := registry.CreateDynamoDBTable(context.Background(), db, table); err != nil {
			t.Fatal(err)
		}
		return registry.NewDynamoDB(db, table)
	})
}
