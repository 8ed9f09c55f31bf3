package registry_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tip-cli/tip-cli/internal/broker/registry"
	"github.com/tip-cli/tip-cli/internal/broker/registry/registrytest"
)

// motoEnv names the moto_server URL the DynamoDB tests run against.
const motoEnv = "TIP_CLI_TEST_MOTO_URL"

func motoClient(t *testing.T) *dynamodb.Client {
	t.Helper()
	url := os.Getenv(motoEnv)
	if url == "" {
		t.Skipf("%s not set: start `moto_server -H 127.0.0.1 -p 5123` and set %s=http://127.0.0.1:5123", motoEnv, motoEnv)
	}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(url) })
}

func newTable(t *testing.T, client *dynamodb.Client) string {
	t.Helper()
	// Test name plus 128 random bits: unique per test and across runs against a
	// long-lived moto. Table names allow only [A-Za-z0-9_.-].
	name := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '_' || r == '.' || r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
			return r
		}
		return '-'
	}, t.Name())
	table := fmt.Sprintf("tip-test-%s-%.180s", rand.Text(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := registry.CreateDynamoDBTable(ctx, client, table); err != nil {
		t.Fatalf("CreateDynamoDBTable: %v", err)
	}
	t.Cleanup(func() {
		_, err := client.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Logf("delete table %s: %v", table, err)
		}
	})
	return table
}

func TestMotoDynamoDBConformance(t *testing.T) {
	client := motoClient(t)
	registrytest.Run(t, func(t *testing.T) registry.Store {
		return registry.NewDynamoDB(client, newTable(t, client))
	})
}

func TestMotoDynamoDBCreateTable(t *testing.T) {
	client := motoClient(t)
	ctx := context.Background()
	table := newTable(t, client)
	// Idempotent: a second create of an existing table succeeds.
	if err := registry.CreateDynamoDBTable(ctx, client, table); err != nil {
		t.Fatalf("second CreateDynamoDBTable: %v", err)
	}
	out, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	td := out.Table
	if td.TableStatus != types.TableStatusActive {
		t.Errorf("status = %s, want ACTIVE", td.TableStatus)
	}
	if len(td.KeySchema) != 1 || aws.ToString(td.KeySchema[0].AttributeName) != "RoleArn" ||
		td.KeySchema[0].KeyType != types.KeyTypeHash {
		t.Errorf("key schema = %+v, want HASH RoleArn", td.KeySchema)
	}
	if td.BillingModeSummary == nil || td.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode = %+v, want PAY_PER_REQUEST", td.BillingModeSummary)
	}
}

func TestMotoDynamoDBItemShape(t *testing.T) {
	client := motoClient(t)
	ctx := context.Background()
	table := newTable(t, client)
	app := registrytest.App(1)
	if _, err := registry.NewDynamoDB(client, table).Put(ctx, app); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key:       map[string]types.AttributeValue{"RoleArn": &types.AttributeValueMemberS{Value: app.RoleARN}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"RoleArn": app.RoleARN, "AccessRoleName": app.AccessRoleName, "SessionTagKey": app.SessionTagKey,
		"JWTClaimName": app.JWTClaimName, "JWKSetURL": app.JWKSetURL, "Issuer": app.Issuer,
		"Audience": app.Audience, "CreatedAt": app.CreatedAt.Format(time.RFC3339Nano),
	}
	if len(out.Item) != len(want) {
		t.Errorf("item has %d attributes, want %d", len(out.Item), len(want))
	}
	for name, v := range want {
		s, ok := out.Item[name].(*types.AttributeValueMemberS)
		if !ok || s.Value != v {
			t.Errorf("attribute %s = %#v, want S %q", name, out.Item[name], v)
		}
	}
}

func TestMotoDynamoDBErrors(t *testing.T) {
	client := motoClient(t)
	ctx := context.Background()
	table := newTable(t, client)
	app := registrytest.App(1)

	// A malformed item (CreatedAt not a string) is refused on read.
	item := map[string]types.AttributeValue{
		"RoleArn":   &types.AttributeValueMemberS{Value: app.RoleARN},
		"CreatedAt": &types.AttributeValueMemberN{Value: "1"},
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
	_, err := registry.NewDynamoDB(client, table).Get(ctx, app.RoleARN)
	if err == nil || errors.Is(err, registry.ErrNotFound) || !strings.Contains(err.Error(), table) {
		t.Errorf("Get of malformed item err = %v, want a storage error naming the table", err)
	}

	// A missing table surfaces the AWS error, wrapped with the operation.
	missing := registry.NewDynamoDB(client, "tip-broker-no-such-table")
	var notFound *types.ResourceNotFoundException
	_, err = missing.Put(ctx, app)
	if !errors.As(err, &notFound) || !strings.HasPrefix(err.Error(), "dynamodb put tip-broker-no-such-table: ") {
		t.Errorf("Put on missing table err = %v", err)
	}
	_, err = missing.Get(ctx, app.RoleARN)
	if !errors.As(err, &notFound) || !strings.HasPrefix(err.Error(), "dynamodb get tip-broker-no-such-table: ") {
		t.Errorf("Get on missing table err = %v", err)
	}
	err = missing.Delete(ctx, app.RoleARN)
	if !errors.As(err, &notFound) || !strings.HasPrefix(err.Error(), "dynamodb delete tip-broker-no-such-table: ") {
		t.Errorf("Delete on missing table err = %v", err)
	}
}
