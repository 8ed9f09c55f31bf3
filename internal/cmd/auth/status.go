package auth

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/config"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/store"
)

// StatusOptions are the options of `auth status`.
type StatusOptions struct {
	F      *cmdutil.Factory
	Output string
}

// Status is what `auth status --output json` prints. It never contains a
// token or a secret.
type Status struct {
	Profile string `json:"profile"`
	// SignIn and SignInProfiles name the shared sign-in the profile uses
	// and every profile on it (this one included).
	SignIn         string          `json:"sign_in,omitempty"`
	SignInProfiles []string        `json:"sign_in_profiles,omitempty"`
	Provider       string          `json:"provider"`
	Mode           string          `json:"tip_mode"`
	Issuer         string          `json:"issuer"`
	Store          string          `json:"store"`
	SignedIn       bool            `json:"signed_in"`
	User           string          `json:"user,omitempty"`
	IDTokenExpiry  *time.Time      `json:"id_token_expiry,omitempty"`
	CanRefresh     bool            `json:"can_refresh"`
	Sessions       []SessionStatus `json:"sessions"`
	S3AccessGrants int             `json:"s3_access_grants"`
}

// SessionStatus describes one cached session.
type SessionStatus struct {
	Scope      string    `json:"scope"`
	RoleARN    string    `json:"assumed_role_arn"`
	Expiration time.Time `json:"expiration"`
	Valid      bool      `json:"valid"`
	// Carries is the person the session carries.
	Carries Person `json:"carries"`
	// Stale: minted under another tip_mode or other roles; never served.
	Stale bool `json:"stale,omitempty"`
}

// Person is who a session carries: the Identity Center user
// (identity-center mode), or the origin identity STS attached (iam-federation).
type Person struct {
	IdentityCenterUserID string `json:"identity_center_user_id,omitempty"`
	Subject              string `json:"subject,omitempty"`
	SubjectType          string `json:"subject_type,omitempty"`
	Issuer               string `json:"issuer,omitempty"`
}

func (p Person) String() string {
	switch {
	case p.Subject != "":
		return iostreams.Visible(fmt.Sprintf("%s %s of %s", p.SubjectType, p.Subject, p.Issuer))
	case p.IdentityCenterUserID != "":
		return "Identity Center user " + p.IdentityCenterUserID
	}
	return "nobody recorded"
}

// NewCmdStatus returns `auth status`.
func NewCmdStatus(f *cmdutil.Factory, runF func(context.Context, *StatusOptions) error) *cobra.Command {
	opts := &StatusOptions{F: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show who is signed in and how long the cached sessions last",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.ValidateOutput(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return statusRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func statusRun(ctx context.Context, opts *StatusOptions) error {
	f := opts.F
	p, err := f.Profile()
	if err != nil {
		return err
	}
	st, err := f.Store()
	if err != nil {
		return err
	}
	b, err := cmdutil.ReadBundle(ctx, st, f.ProfileName, p)
	if err != nil {
		return fmt.Errorf("read cached credentials: %w", err)
	}
	s := buildStatus(f.ProfileName, p, st.Name(), b, f.Now(), credproc.DefaultPolicy())
	if p.SignIn != "" {
		cfg, err := f.Config()
		if err != nil {
			return err
		}
		s.SignIn, s.SignInProfiles = p.SignIn, cfg.SignInProfiles(p.SignIn)
	}
	if opts.Output == "json" {
		return cmdutil.WriteJSON(f.IOStreams.Out, s)
	}
	return writeStatus(f.IOStreams.Out, s)
}

func buildStatus(profile string, p *config.Profile, backend string, b *store.Bundle, now time.Time, pol credproc.Policy) *Status {
	s := &Status{Profile: profile, Provider: p.Provider, Mode: p.TIPMode(), Issuer: p.Issuer(), Store: backend, Sessions: []SessionStatus{}}
	if b == nil {
		return s
	}
	if b.IdP != nil {
		s.SignedIn = true
		s.User = b.IdP.Email
		if s.User == "" {
			s.User = b.IdP.Subject
		}
		exp := b.IdP.Expiry
		s.IDTokenExpiry = &exp
		s.CanRefresh = b.IdP.RefreshToken != ""
	}
	for scope, c := range b.Sessions {
		name := scope
		if name == "" {
			name = "default"
		}
		stale := c.Chain != p.ChainID()
		ss := SessionStatus{Scope: name, RoleARN: c.AssumedRoleARN, Expiration: c.Expiration, Valid: !stale && pol.FreshCredentials(now, c), Stale: stale}
		ss.Carries.IdentityCenterUserID = c.Identity
		if o := c.Origin; o != nil {
			ss.Carries.Subject, ss.Carries.SubjectType, ss.Carries.Issuer = o.Subject, o.SubjectType, o.Issuer
		}
		s.Sessions = append(s.Sessions, ss)
	}
	sort.Slice(s.Sessions, func(i, j int) bool { return s.Sessions[i].Scope < s.Sessions[j].Scope })
	s.S3AccessGrants = len(b.Grants)
	return s
}

func writeStatus(w io.Writer, s *Status) error {
	fmt.Fprintf(w, "Profile:   %s (%s, %s, %s)\n", s.Profile, s.Provider, s.Issuer, s.Mode)
	if s.SignIn != "" {
		fmt.Fprintf(w, "Sign-in:   %s, shared by %s\n", s.SignIn, strings.Join(s.SignInProfiles, ", "))
	}
	fmt.Fprintf(w, "Store:     %s\n", s.Store)
	if !s.SignedIn {
		fmt.Fprintf(w, "Signed in: no — run `tip-cli auth`\n")
		return nil
	}
	refresh := "no refresh token: sign in again when it expires"
	if s.CanRefresh {
		refresh = "refreshable"
	}
	fmt.Fprintf(w, "Signed in: %s\n", iostreams.Visible(s.User))
	fmt.Fprintf(w, "ID token:  until %s (%s)\n", s.IDTokenExpiry.Local().Format(time.RFC1123), refresh)
	for _, ss := range s.Sessions {
		state := "valid"
		switch {
		case ss.Stale:
			state = "minted under another tip_mode or role: not served"
		case !ss.Valid:
			state = "expired or due for refresh"
		}
		fmt.Fprintf(w, "Session:   %s %s until %s (%s)\n", ss.Scope, ss.RoleARN, ss.Expiration.Local().Format(time.RFC1123), state)
		fmt.Fprintf(w, "  carries: %s\n", ss.Carries)
	}
	if s.S3AccessGrants > 0 {
		fmt.Fprintf(w, "S3 Access Grants: %d cached (tip-cli s3ag list-credentials)\n", s.S3AccessGrants)
	}
	return nil
}
