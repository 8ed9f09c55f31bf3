package deploy

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tip-cli/tip-cli/internal/cfn"
)

// motoURLEnv names the moto_server base URL (http://127.0.0.1:PORT) that
// enables TestMotoDeploy, as in the other moto tests of the repository.
const motoURLEnv = "TIP_CLI_TEST_MOTO_URL"

// motoSkips are resource types moto 5.2's CloudFormation does not
// implement: it logs "No Moto CloudFormation support for …", creates
// nothing and still reports CREATE_COMPLETE (a ${Ref} of such a resource
// in Fn::Sub stays unresolved, so the Endpoint output keeps the literal
// "${BrokerStage}").
func motoSkips() map[string]bool {
	return map[string]bool{"AWS::ApiGateway::Stage": true}
}

// TestMotoDeploy creates the full Lambda-mode stack in moto's
// CloudFormation (CreateStack over the awsQuery protocol, signed with
// SigV4), waits for CREATE_COMPLETE, checks every resource moto implements
// was created, and reads the registry table back through the DynamoDB SDK.
// moto does not run the function (that would need docker), and ignores
// Architectures, EndpointConfiguration, SSESpecification and
// PointInTimeRecoverySpecification; cfn-lint covers those.
func TestMotoDeploy(t *testing.T) {
	base := os.Getenv(motoURLEnv)
	if base == "" {
		t.Skipf("set %s=http://127.0.0.1:PORT (a running moto_server) to run", motoURLEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := &awsClient{base: strings.TrimSuffix(base, "/"), region: "us-east-1",
		creds: aws.Credentials{AccessKeyID: "testing", SecretAccessKey: "testing"},
		http:  &http.Client{Timeout: 20 * time.Second}}
	suffix := strings.ToLower(rand.Text()) // unique against a shared moto: a clock can repeat
	bucket, key, stack := "tip-broker-code-"+suffix, "tip-broker.zip", "tip-broker-"+suffix

	if _, err := c.do(ctx, "s3", http.MethodPut, "/"+bucket, nil); err != nil {
		t.Fatalf("create code bucket: %v", err)
	}
	if _, err := c.do(ctx, "s3", http.MethodPut, "/"+bucket+"/"+key, lambdaZip(t)); err != nil {
		t.Fatalf("upload code: %v", err)
	}
	d, err := Template(Options{})
	if err != nil {
		t.Fatal(err)
	}
	body, err := d.YAML()
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.query(ctx, url.Values{
		"Action": {"CreateStack"}, "StackName": {stack}, "TemplateBody": {string(body)},
		"Parameters.member.1.ParameterKey": {ParamCodeBucket}, "Parameters.member.1.ParameterValue": {bucket},
		"Parameters.member.2.ParameterKey": {ParamCodeKey}, "Parameters.member.2.ParameterValue": {key},
		"Capabilities.member.1": {"CAPABILITY_IAM"},
	})
	if err != nil {
		t.Fatalf("CreateStack: %v", err)
	}
	t.Cleanup(func() {
		_, _ = c.query(context.Background(), url.Values{"Action": {"DeleteStack"}, "StackName": {stack}})
	})
	outputs := waitCreated(ctx, t, c, stack)
	checkStackResources(ctx, t, c, stack, d)
	checkMotoOutputs(t, outputs)
	checkMotoTable(ctx, t, base, outputs[OutputTableName])
}

func waitCreated(ctx context.Context, t *testing.T, c *awsClient, stack string) map[string]string {
	t.Helper()
	for {
		b, err := c.query(ctx, url.Values{"Action": {"DescribeStacks"}, "StackName": {stack}})
		if err != nil {
			t.Fatalf("DescribeStacks: %v", err)
		}
		var r struct {
			Stacks []struct {
				StackStatus, StackStatusReason string
				Outputs                        []struct{ OutputKey, OutputValue string } `xml:"Outputs>member"`
			} `xml:"DescribeStacksResult>Stacks>member"`
		}
		if err := xml.Unmarshal(b, &r); err != nil || len(r.Stacks) != 1 {
			t.Fatalf("DescribeStacks response (%v): %s", err, b)
		}
		s := r.Stacks[0]
		if strings.HasSuffix(s.StackStatus, "_IN_PROGRESS") {
			select {
			case <-ctx.Done():
				t.Fatalf("stack still %s: %v", s.StackStatus, ctx.Err())
			case <-time.After(200 * time.Millisecond):
			}
			continue
		}
		if s.StackStatus != "CREATE_COMPLETE" {
			t.Fatalf("stack status %s: %s", s.StackStatus, s.StackStatusReason)
		}
		out := map[string]string{}
		for _, o := range s.Outputs {
			out[o.OutputKey] = o.OutputValue
		}
		return out
	}
}

// checkStackResources: every template resource of a type moto implements
// is CREATE_COMPLETE in the stack.
func checkStackResources(ctx context.Context, t *testing.T, c *awsClient, stack string, d *cfn.Template) {
	t.Helper()
	b, err := c.query(ctx, url.Values{"Action": {"ListStackResources"}, "StackName": {stack}})
	if err != nil {
		t.Fatalf("ListStackResources: %v", err)
	}
	var r struct {
		Resources []struct{ LogicalResourceId, ResourceType, ResourceStatus string } `xml:"ListStackResourcesResult>StackResourceSummaries>member"`
	}
	if err := xml.Unmarshal(b, &r); err != nil {
		t.Fatalf("ListStackResources response: %v: %s", err, b)
	}
	status := map[string]string{}
	for _, res := range r.Resources {
		status[res.LogicalResourceId] = res.ResourceStatus
	}
	for _, nr := range d.Resources {
		if motoSkips()[nr.Resource.Type] {
			t.Logf("moto skips %s %s (status %q)", nr.Resource.Type, nr.LogicalID, status[nr.LogicalID])
			continue
		}
		if status[nr.LogicalID] != "CREATE_COMPLETE" {
			t.Errorf("%s (%s) status %q, want CREATE_COMPLETE", nr.LogicalID, nr.Resource.Type, status[nr.LogicalID])
		}
	}
}

func checkMotoOutputs(t *testing.T, out map[string]string) {
	t.Helper()
	roleARN := out[OutputBrokerRoleArn]
	if !regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/tip-broker-[0-9a-z]+-BrokerRole-`).MatchString(roleARN) {
		t.Errorf("BrokerRoleArn = %q", roleARN)
	}
	var trust map[string]any
	if err := json.Unmarshal([]byte(out[OutputAccessRoleTrustPolicy]), &trust); err != nil {
		t.Fatalf("AccessRoleTrustPolicy output %q: %v", out[OutputAccessRoleTrustPolicy], err)
	}
	account := strings.Split(roleARN, ":")[4]
	want, _ := json.Marshal(AccessRoleTrustPolicy(roleARN, "arn:aws:iam::"+account+":role/APPLICATION-ROLE-NAME"))
	if got, _ := json.Marshal(trust); !bytes.Equal(got, want) {
		t.Errorf("AccessRoleTrustPolicy output = %s, want %s", got, want)
	}
	// The stage is named literally, so moto (which skips the Stage) resolves it too.
	if !regexp.MustCompile(`^https://[a-z0-9]+\.execute-api\.us-east-1\.amazonaws\.com/prod$`).MatchString(out[OutputEndpoint]) {
		t.Errorf("Endpoint = %q", out[OutputEndpoint])
	}
	if out[OutputAPIEndpoint] != out[OutputEndpoint]+"/" {
		t.Errorf("APIEndpoint = %q, want Endpoint + /", out[OutputAPIEndpoint])
	}
	if name := out[OutputServiceRoleName]; name == "" || !strings.HasSuffix(roleARN, ":role/"+name) {
		t.Errorf("ServiceRoleName = %q, BrokerRoleArn %q", name, roleARN)
	}
}

func checkMotoTable(ctx context.Context, t *testing.T, base, table string) {
	t.Helper()
	if table == "" {
		t.Fatal("no TableName output")
	}
	db := dynamodb.NewFromConfig(aws.Config{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(base),
		Credentials:      credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		RetryMaxAttempts: 1,
	})
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatalf("DescribeTable %s: %v", table, err)
	}
	tb := out.Table
	if tb.TableStatus != types.TableStatusActive || len(tb.KeySchema) != 1 ||
		aws.ToString(tb.KeySchema[0].AttributeName) != TableHashKey || tb.KeySchema[0].KeyType != types.KeyTypeHash {
		t.Errorf("table %s: status %s, key schema %+v", table, tb.TableStatus, tb.KeySchema)
	}
	if tb.BillingModeSummary == nil || tb.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("table %s billing mode = %+v", table, tb.BillingModeSummary)
	}
}

// lambdaZip is a deployment package holding a placeholder bootstrap.
func lambdaZip(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err == nil {
		_, err = io.WriteString(w, "#!/bin/sh\nexit 1\n")
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// awsClient sends SigV4-signed requests (there is no CloudFormation or S3
// SDK package in go.mod).
type awsClient struct {
	base, region string
	creds        aws.Credentials
	http         *http.Client
}

// query sends a CloudFormation awsQuery request and returns the XML body.
func (c *awsClient) query(ctx context.Context, params url.Values) ([]byte, error) {
	params.Set("Version", "2010-05-15")
	return c.do(ctx, "cloudformation", http.MethodPost, "/", []byte(params.Encode()))
}

func (c *awsClient) do(ctx context.Context, service, method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if service == "cloudformation" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	if err := v4.NewSigner().SignHTTP(ctx, c.creds, req, hash, service, c.region, time.Now()); err != nil {
		return nil, fmt.Errorf("sign %s request: %w", service, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("%s %s: http %d: %s", method, path, resp.StatusCode, b)
	}
	return b, nil
}
