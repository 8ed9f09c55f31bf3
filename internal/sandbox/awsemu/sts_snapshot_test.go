package awsemu

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// The independent check of the TIP wire: moto has no context providers, so
// the reference is the Go SDK's own response snapshot for
// AssumeRoleWithWebIdentity, read from the sts module this binary links.

const (
	stsModule = "github.com/aws/aws-sdk-go-v2/service/sts"
	iamModule = "github.com/aws/aws-sdk-go-v2/service/iam"
)

// sdkSnapshot returns the status, headers and body of the response
// snapshot of op in the SDK module (the version go.mod selects).
func sdkSnapshot(t *testing.T, module, op string) (int, http.Header, []byte) {
	t.Helper()
	// go list resolves the version go.mod selects, in the module cache.
	// "go" is the toolchain running the test (go test puts its GOROOT/bin
	// first on PATH).
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", module).Output()
	if err != nil || strings.TrimSpace(string(dir)) == "" {
		t.Fatalf("locate %s: %v", module, err)
	}
	file := filepath.Join(strings.TrimSpace(string(dir)), "response_snapshot", op+".response.snap")
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read the SDK's response snapshot: %v", err)
	}
	// Format (the module's response_snapshot_test.go): a status line,
	// headers, a blank line, the body.
	r := bufio.NewReader(bytes.NewReader(raw))
	line, _ := r.ReadString('\n')
	status, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		t.Fatalf("snapshot status line %q: %v", line, err)
	}
	h := http.Header{}
	for {
		line, err := r.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if line == "" || err != nil {
			break
		}
		k, v, _ := strings.Cut(line, ": ")
		h.Add(k, v)
	}
	body, err := io.ReadAll(r)
	if err != nil || len(body) == 0 {
		t.Fatalf("snapshot %s without a body: %v", file, err)
	}
	return status, h, body
}

// serveSnapshot serves one snapshot response to every request.
func serveSnapshot(t *testing.T, status int, header http.Header, body []byte) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		maps.Copy(w.Header(), header)
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// xmlPaths returns the element paths from the element named anchor down
// (none when it is absent), repeated elements collapsed to one.
func xmlPaths(t *testing.T, body []byte, anchor string) []string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	var stack, paths []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("parse %s: %v", body, err)
		}
		switch e := tok.(type) {
		case xml.StartElement:
			stack = append(stack, e.Name.Local)
			p := strings.Join(stack, "/")
			if i := strings.Index(p, anchor); i >= 0 && !slices.Contains(paths, p[i:]) {
				paths = append(paths, p[i:])
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	slices.Sort(paths)
	return paths
}

func TestSTSWebIdentitySnapshotWire(t *testing.T) {
	t.Parallel()
	status, header, body := sdkSnapshot(t, stsModule, "AssumeRoleWithWebIdentity")
	client := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(serveSnapshot(t, status, header, body)), RetryMaxAttempts: 1})
	snap, err := client.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String("arn:aws:iam::123456789012:role/x"), RoleSessionName: aws.String("s"), WebIdentityToken: aws.String("token"),
	})
	if err != nil {
		t.Fatalf("decode the SDK's snapshot: %v", err)
	}
	o := snap.TrustedIdentityPropagationContext.OriginIdentity
	if aws.ToString(o.FederatedProviderArn) != "__FederatedProviderArn__" || aws.ToString(o.Issuer) != "__Issuer__" ||
		aws.ToString(o.Subject) != "__Subject__" || aws.ToString(o.SubjectType) != "__SubjectType__" ||
		!maps.Equal(snap.TrustedIdentityPropagationContext.TransactionContext.IdentityProvider, map[string]string{"key0": "__Value__"}) {
		t.Fatalf("snapshot decoded to %+v / %+v", o, snap.TrustedIdentityPropagationContext.TransactionContext)
	}

	// The emulation, asked the same over raw HTTP, must use exactly the
	// snapshot's element names and nesting for the context…
	f := awsStart(t, func(o *AWSOptions) {
		o.ContextProvider = &ContextProvider{SubjectSourceKey: "email", SubjectTypeValue: "user", KeyDefinitions: []KeyDefinition{{SourceKey: "name", TargetKey: "display_name"}}}
	})
	form := url.Values{"Action": {"AssumeRoleWithWebIdentity"}, "Version": {stsVersion}, "RoleArn": {f.aws.FederationRoleARN()},
		"RoleSessionName": {"alice"}, "WebIdentityToken": {f.mint(t, nil)}}
	resp, err := http.PostForm(f.aws.URL(), form)
	if err != nil {
		t.Fatal(err)
	}
	emulated, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("emulated AssumeRoleWithWebIdentity: %d %s %v", resp.StatusCode, emulated, err)
	}
	const tip = "TrustedIdentityPropagationContext"
	if got, want := xmlPaths(t, emulated, tip), xmlPaths(t, body, tip); len(want) == 0 || !slices.Equal(got, want) {
		t.Fatalf("emulated context elements\n%q\nsnapshot's\n%q", got, want)
	}
	// …and decode through the real client to the same shape, every member set.
	out, err := f.federate(t, f.aws.FederationRoleARN(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	eo := out.TrustedIdentityPropagationContext.OriginIdentity
	if eo.FederatedProviderArn == nil || eo.Issuer == nil || eo.Subject == nil || eo.SubjectType == nil ||
		len(out.TrustedIdentityPropagationContext.TransactionContext.IdentityProvider) != 1 {
		t.Fatalf("emulated context decoded to %+v / %+v", eo, out.TrustedIdentityPropagationContext.TransactionContext)
	}
}
