package awsemu

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/identitystore"
	"github.com/aws/aws-sdk-go-v2/service/identitystore/document"
	idstypes "github.com/aws/aws-sdk-go-v2/service/identitystore/types"
)

func idsGetUserIDInput(storeID, path, value string) *identitystore.GetUserIdInput {
	return &identitystore.GetUserIdInput{
		IdentityStoreId: aws.String(storeID),
		AlternateIdentifier: &idstypes.AlternateIdentifierMemberUniqueAttribute{Value: idstypes.UniqueAttribute{
			AttributePath: aws.String(path), AttributeValue: document.NewLazyDocument(value),
		}},
	}
}

func TestIdentityStoreUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name       string
		cfg        IdentityCenterConfig
		path, val  string
		wantID     string
		wantCode   string
		wantExtIDs int
		wantGroups []string
	}{
		{name: "default SCIM user by email", path: "emails.value", val: "Alice@Example.com", wantID: "u-alice", wantExtIDs: 1, wantGroups: []string{"g-analysts"}},
		{name: "by user name", path: "userName", val: "alice@example.com", wantID: "u-alice", wantExtIDs: 1, wantGroups: []string{"g-analysts"}},
		{name: "missing user", cfg: IdentityCenterConfig{Users: []IdentityStoreUser{}}, path: "emails.value", val: "alice@example.com", wantCode: "ResourceNotFoundException"},
		{name: "hand-made user", cfg: IdentityCenterConfig{Users: []IdentityStoreUser{{ID: "u-bob", UserName: "bob", Email: "bob@example.com"}}},
			path: "emails.value", val: "bob@example.com", wantID: "u-bob"},
		{name: "bad path", path: "nickName", val: "x", wantCode: "ValidationException"},
		{name: "denied", cfg: IdentityCenterConfig{DenyOperations: []string{"GetUserId"}}, path: "emails.value", val: "alice@example.com", wantCode: "AccessDeniedException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ssoaStart(t, tt.cfg)
			store := f.aws.IdentityStoreID()
			got, err := f.ids.GetUserId(ctx, idsGetUserIDInput(store, tt.path, tt.val))
			if tt.wantCode != "" {
				if ssoaCode(err) != tt.wantCode {
					t.Fatalf("GetUserId err = %v, want %s", err, tt.wantCode)
				}
				return
			}
			if err != nil || aws.ToString(got.UserId) != tt.wantID {
				t.Fatalf("GetUserId = %+v, %v", got, err)
			}
			u, err := f.ids.DescribeUser(ctx, &identitystore.DescribeUserInput{IdentityStoreId: aws.String(store), UserId: got.UserId})
			if err != nil {
				t.Fatal(err)
			}
			if len(u.ExternalIds) != tt.wantExtIDs || len(u.Emails) != 1 {
				t.Errorf("DescribeUser = %+v", u)
			}
			m, err := f.ids.ListGroupMembershipsForMember(ctx, &identitystore.ListGroupMembershipsForMemberInput{
				IdentityStoreId: aws.String(store), MemberId: &idstypes.MemberIdMemberUserId{Value: tt.wantID},
			})
			if err != nil {
				t.Fatal(err)
			}
			var groups []string
			for _, gm := range m.GroupMemberships {
				groups = append(groups, aws.ToString(gm.GroupId))
			}
			if len(groups) != len(tt.wantGroups) || (len(groups) > 0 && groups[0] != tt.wantGroups[0]) {
				t.Errorf("groups = %v, want %v", groups, tt.wantGroups)
			}
		})
	}
}

func TestIdentityStoreWrongStore(t *testing.T) {
	t.Parallel()
	f := ssoaStart(t, IdentityCenterConfig{})
	_, err := f.ids.DescribeUser(context.Background(), &identitystore.DescribeUserInput{IdentityStoreId: aws.String("d-0000000000"), UserId: aws.String("u-alice")})
	if ssoaCode(err) != "ResourceNotFoundException" {
		t.Errorf("err = %v", err)
	}
}
