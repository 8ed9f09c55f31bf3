package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB attribute names. The partition key is RoleArn (S); every other
// attribute is a string, CreatedAt in RFC 3339 with nanoseconds.
const (
	attrRoleARN        = "RoleArn"
	attrAccessRoleName = "AccessRoleName"
	attrSessionTagKey  = "SessionTagKey"
	attrJWTClaimName   = "JWTClaimName"
	attrJWKSetURL      = "JWKSetURL"
	attrIssuer         = "Issuer"
	attrAudience       = "Audience"
	attrCreatedAt      = "CreatedAt"
)

// tableActiveWait bounds how long CreateDynamoDBTable waits for ACTIVE.
const tableActiveWait = 5 * time.Minute

// DynamoDB is a Store in one DynamoDB table (the Lambda deployment's store).
type DynamoDB struct {
	client *dynamodb.Client
	table  string
}

// NewDynamoDB returns a Store using table through client. The table must
// exist (see CreateDynamoDBTable).
func NewDynamoDB(client *dynamodb.Client, table string) *DynamoDB {
	return &DynamoDB{client: client, table: table}
}

// Put validates app and writes it under app.RoleARN; replaced reports
// whether PutItem returned an old item.
func (d *DynamoDB) Put(ctx context.Context, app Application) (bool, error) {
	if err := app.Validate(); err != nil {
		return false, fmt.Errorf("dynamodb put: %w", err)
	}
	out, err := d.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:    aws.String(d.table),
		Item:         toItem(normalize(app)),
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return false, fmt.Errorf("dynamodb put %s: %w", d.table, err)
	}
	return len(out.Attributes) > 0, nil
}

// Get reads the registration for roleARN (strongly consistent) or returns
// ErrNotFound.
func (d *DynamoDB) Get(ctx context.Context, roleARN string) (Application, error) {
	if roleARN == "" {
		return Application{}, ErrNotFound
	}
	out, err := d.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(d.table),
		Key:            key(roleARN),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return Application{}, fmt.Errorf("dynamodb get %s: %w", d.table, err)
	}
	if len(out.Item) == 0 {
		return Application{}, ErrNotFound
	}
	app, err := fromItem(out.Item)
	if err != nil {
		return Application{}, fmt.Errorf("dynamodb get %s: item %s: %w", d.table, roleARN, err)
	}
	return checkStored(roleARN, app)
}

// Delete removes the registration for roleARN or returns ErrNotFound.
func (d *DynamoDB) Delete(ctx context.Context, roleARN string) error {
	if roleARN == "" {
		return ErrNotFound
	}
	out, err := d.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:    aws.String(d.table),
		Key:          key(roleARN),
		ReturnValues: types.ReturnValueAllOld,
	})
	if err != nil {
		return fmt.Errorf("dynamodb delete %s: %w", d.table, err)
	}
	if len(out.Attributes) == 0 {
		return ErrNotFound
	}
	return nil
}

// Close is a no-op: the client belongs to the caller.
func (d *DynamoDB) Close() error { return nil }

// CreateDynamoDBTable creates table (on-demand billing, partition key
// RoleArn of type S) and waits until it is ACTIVE. A table that already
// exists is not an error.
func CreateDynamoDBTable(ctx context.Context, client *dynamodb.Client, table string) error {
	_, err := client.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{
			AttributeName: aws.String(attrRoleARN),
			AttributeType: types.ScalarAttributeTypeS,
		}},
		KeySchema: []types.KeySchemaElement{{
			AttributeName: aws.String(attrRoleARN),
			KeyType:       types.KeyTypeHash,
		}},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("dynamodb create table %s: %w", table, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(client, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay = time.Second
		o.MaxDelay = 10 * time.Second
	})
	err = waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)}, tableActiveWait)
	if err != nil {
		return fmt.Errorf("dynamodb wait for table %s: %w", table, err)
	}
	return nil
}

func key(roleARN string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrRoleARN: &types.AttributeValueMemberS{Value: roleARN}}
}

func toItem(app Application) map[string]types.AttributeValue {
	item := map[string]types.AttributeValue{}
	put := func(name, v string) {
		if v != "" {
			item[name] = &types.AttributeValueMemberS{Value: v}
		}
	}
	put(attrRoleARN, app.RoleARN)
	put(attrAccessRoleName, app.AccessRoleName)
	put(attrSessionTagKey, app.SessionTagKey)
	put(attrJWTClaimName, app.JWTClaimName)
	put(attrJWKSetURL, app.JWKSetURL)
	put(attrIssuer, app.Issuer)
	put(attrAudience, app.Audience)
	put(attrCreatedAt, app.CreatedAt.Format(time.RFC3339Nano))
	return item
}

func fromItem(item map[string]types.AttributeValue) (Application, error) {
	var firstErr error
	get := func(name string) string {
		av, ok := item[name]
		if !ok {
			return ""
		}
		s, ok := av.(*types.AttributeValueMemberS)
		if !ok && firstErr == nil {
			firstErr = fmt.Errorf("attribute %s is not a string", name)
		}
		if !ok {
			return ""
		}
		return s.Value
	}
	app := Application{
		RoleARN:        get(attrRoleARN),
		AccessRoleName: get(attrAccessRoleName),
		SessionTagKey:  get(attrSessionTagKey),
		JWTClaimName:   get(attrJWTClaimName),
		JWKSetURL:      get(attrJWKSetURL),
		Issuer:         get(attrIssuer),
		Audience:       get(attrAudience),
	}
	created := get(attrCreatedAt)
	if firstErr != nil {
		return Application{}, firstErr
	}
	t, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return Application{}, fmt.Errorf("attribute %s: %w", attrCreatedAt, err)
	}
	app.CreatedAt = t
	return app, nil
}
