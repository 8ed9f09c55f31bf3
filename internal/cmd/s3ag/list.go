package s3ag

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/tip-cli/tip-cli/internal/cmdutil"
	"github.com/tip-cli/tip-cli/internal/credproc"
	"github.com/tip-cli/tip-cli/internal/iostreams"
	"github.com/tip-cli/tip-cli/internal/store"
)

// ListOptions are the options of `s3ag list-credentials`.
type ListOptions struct {
	IO *iostreams.IOStreams
	// Profile is the selected profile (--profile), set when the command runs.
	Profile string
	// Store is where the grants are cached; Now tells which are still valid.
	Store  func() (store.Store, error)
	Now    func() time.Time
	Output string
}

// CachedGrant is one row of list-credentials; never a secret.
type CachedGrant struct {
	Target     string    `json:"target"`
	Requested  string    `json:"requested,omitempty"`
	Permission string    `json:"permission"`
	Privilege  string    `json:"privilege"`
	TargetType string    `json:"target_type,omitempty"`
	Expiration time.Time `json:"expiration"`
	Valid      bool      `json:"valid"`
}

// NewCmdListCredentials returns `s3ag list-credentials`.
func NewCmdListCredentials(f *cmdutil.Factory, runF func(context.Context, *ListOptions) error) *cobra.Command {
	opts := &ListOptions{IO: f.IOStreams, Store: f.Store, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "list-credentials",
		Short: "List cached S3 Access Grants credentials (local, no network)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cmdutil.ValidateOutput(opts.Output); err != nil {
				return err
			}
			opts.Profile = f.ProfileName
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return listRun(cmd.Context(), opts)
		},
	}
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

func listRun(ctx context.Context, opts *ListOptions) error {
	st, err := opts.Store()
	if err != nil {
		return err
	}
	b, err := st.GetServed(ctx, opts.Profile) // no IdP token needed
	if err != nil {
		return fmt.Errorf("read cached credentials: %w", err)
	}
	rows := cachedGrants(b, opts.Now(), credproc.DefaultPolicy())
	if opts.Output == "json" {
		return cmdutil.WriteJSON(opts.IO.Out, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(opts.IO.ErrOut, "No cached S3 Access Grants credentials for profile %s\n", opts.Profile)
		return nil
	}
	return writeTable(opts.IO.Out, rows)
}

func cachedGrants(b *store.Served, now time.Time, pol credproc.Policy) []CachedGrant {
	rows := []CachedGrant{}
	if b == nil {
		return rows
	}
	for _, g := range b.Grants {
		if g == nil || g.Credentials == nil {
			continue
		}
		rows = append(rows, CachedGrant{
			Target: g.Target, Requested: g.Requested, Permission: g.Permission, Privilege: g.Privilege,
			TargetType: g.TargetType, Expiration: g.Credentials.Expiration, Valid: pol.FreshCredentials(now, g.Credentials),
		})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Target < rows[j].Target })
	return rows
}

func writeTable(w io.Writer, rows []CachedGrant) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TARGET\tPERMISSION\tPRIVILEGE\tEXPIRES\tSTATUS")
	for _, r := range rows {
		status := "valid"
		if !r.Valid {
			status = "expired"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Target, r.Permission, r.Privilege, r.Expiration.Local().Format(time.RFC3339), status)
	}
	return tw.Flush()
}
