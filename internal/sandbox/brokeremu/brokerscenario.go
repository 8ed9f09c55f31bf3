package brokeremu

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/tip-cli/tip-cli/internal/sandbox/awsemu"
)

// Names of the session-broker scenario (the original IAM Session Broker
// sample: tenants Yellow and Blue share one bucket, one prefix each).
const (
	BrokerRoleName    = "tip-broker-service"
	brokerAppRoleName = "tenant-app"
	brokerOtherApp    = "other-app"
	BrokerAccessRole  = "tenant-access"
	// BrokerUnboundRole is an access role written for the original sample:
	// it trusts the broker role without requiring sts:ExternalId, so any
	// application could have it assumed (the broker refuses to register it).
	BrokerUnboundRole = "tenant-access-unbound"
	BrokerBucket      = "tenant-data"
	BrokerTagKey      = "TenantID"
)

// BrokerScenarioOptions configures StartBrokerScenario.
type BrokerScenarioOptions struct {
	// Now is the clock of the AWS emulation and the token issuers.
	Now func() time.Time
	// AWSAddr and IssuerAddr fix the listen addresses (default 127.0.0.1:0).
	AWSAddr, IssuerAddr string
	// Key signs for the AWS emulation and the application's issuer,
	// OtherKey for the other application's; generated when nil.
	Key, OtherKey *rsa.PrivateKey
}

// BrokerScenario is the broker's world on loopback: the AWS emulation with
// the broker's service role, the application's role and its access role
// (trusting the broker role with sts:TagSession when sts:ExternalId is the
// application's role ARN, reading
// tenant-data/${aws:PrincipalTag/TenantID}/*), one object per tenant, and
// two token issuers: the application's and another application's.
type BrokerScenario struct {
	AWS   *AWS
	App   *AppIssuer
	Other *AppIssuer
}

// StartBrokerScenario starts the scenario's servers.
func StartBrokerScenario(o BrokerScenarioOptions) (*BrokerScenario, error) {
	a, err := NewAWS(awsemu.AWSOptions{Now: o.Now, Addr: o.AWSAddr, Key: o.Key})
	if err != nil {
		return nil, err
	}
	app, err := NewAppIssuer(AppIssuerOptions{Now: o.Now, Addr: o.IssuerAddr, Key: o.Key})
	if err != nil {
		a.Close()
		return nil, err
	}
	other, err := NewAppIssuer(AppIssuerOptions{Now: o.Now, Key: o.OtherKey})
	if err != nil {
		a.Close()
		app.Close()
		return nil, err
	}
	tenantPrefix := []string{"arn:aws:s3:::" + BrokerBucket + "/${aws:PrincipalTag/" + BrokerTagKey + "}/*"}
	a.AddRole(RoleSpec{
		Name:            BrokerAccessRole,
		TrustedRoleARNs: []string{a.roleARN(BrokerRoleName)},
		AllowTagSession: true,
		ExternalID:      a.roleARN(brokerAppRoleName),
		S3Resources:     tenantPrefix,
	})
	a.AddRole(RoleSpec{
		Name:            BrokerUnboundRole,
		TrustedRoleARNs: []string{a.roleARN(BrokerRoleName)},
		AllowTagSession: true,
		S3Resources:     tenantPrefix,
	})
	for _, tenant := range []string{"Yellow", "Blue"} {
		a.PutObject(BrokerBucket, tenant+"/report.csv", fmt.Appendf(nil, "tenant,%s\n", tenant))
	}
	return &BrokerScenario{AWS: a, App: app, Other: other}, nil
}

// BrokerCredentials are the broker's own role credentials (what Lambda or
// the host would give the broker).
func (s *BrokerScenario) BrokerCredentials(ttl time.Duration) aws.Credentials {
	return s.AWS.RoleCredentials(BrokerRoleName, "tip-broker", ttl)
}

// AppCredentials are the calling application's role credentials.
func (s *BrokerScenario) AppCredentials(ttl time.Duration) aws.Credentials {
	return s.AWS.RoleCredentials(brokerAppRoleName, "app", ttl)
}

// OtherAppCredentials are a second application's role credentials.
func (s *BrokerScenario) OtherAppCredentials(ttl time.Duration) aws.Credentials {
	return s.AWS.RoleCredentials(brokerOtherApp, "other", ttl)
}

// TenantToken mints the application's JWT for a user of tenant.
func (s *BrokerScenario) TenantToken(user, tenant string) (string, error) {
	if user == "" || tenant == "" {
		return "", errors.New("tenant token needs a user and a tenant")
	}
	return s.App.Mint(map[string]any{"sub": user, BrokerTagKey: tenant})
}

// Close stops the servers.
func (s *BrokerScenario) Close() {
	s.AWS.Close()
	s.App.Close()
	s.Other.Close()
}
