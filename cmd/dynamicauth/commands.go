package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/store/postgres"
	"github.com/dynamicauth/dynamicauth/store/sqlite"
)

func initCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var asJSON bool
	var email string
	o, log, err := command("init", args, stderr, func(fs *flag.FlagSet) {
		fs.BoolVar(&asJSON, "json", false, "print one JSON object with the ids and the token")
		fs.StringVar(&email, "email", "", "act for the operator with this email: created with an organization of their own if new")
	})
	if err != nil {
		return err
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	ids, token, created, err := auth.Init(ctx)
	if err == nil && email != "" {
		ids, token, created, err = auth.InitOperator(ctx, email)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(map[string]string{
			"organizationId": ids.OrganizationID, "projectId": ids.ProjectID,
			"environmentId": ids.EnvironmentID, "liveEnvironmentId": ids.LiveEnvironmentID, "apiToken": token,
		})
	}
	what := "Issued a new admin API token for"
	if created {
		what = "Seeded"
	}
	fmt.Fprintf(stdout, "%s %s\n  organization:    %s\n  project:         %s\n  sandbox env:     %s\n  live env:        %s\n  admin API token: %s\n",
		what, o.dbLabel(), ids.OrganizationID, ids.ProjectID, ids.EnvironmentID, ids.LiveEnvironmentID, token)
	return nil
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	action := "up"
	if len(args) > 0 && (args[0] == "status" || args[0] == "up") {
		action, args = args[0], args[1:]
	}
	o, _, err := command("migrate", args, stderr, nil)
	if err != nil {
		return err
	}
	// Opening applies pending migrations unless only the status is asked for.
	st, err := o.openStore(ctx, action == "status")
	if err != nil {
		return err
	}
	defer st.Close()
	type row struct {
		version   int
		name      string
		appliedAt *time.Time
	}
	var rows []row
	switch st := st.(type) {
	case *sqlite.Store:
		status, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range status {
			rows = append(rows, row{m.Version, m.Name, m.AppliedAt})
		}
	case *postgres.Store:
		status, err := st.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, m := range status {
			rows = append(rows, row{m.Version, m.Name, m.AppliedAt})
		}
	}
	for _, m := range rows {
		state := "pending"
		if m.appliedAt != nil {
			state = "applied " + m.appliedAt.Format(time.RFC3339)
		}
		fmt.Fprintf(stdout, "%04d %-30s %s\n", m.version, m.name, state)
	}
	return nil
}

func versionCmd(stdout io.Writer) error {
	fmt.Fprintln(stdout, "dynamicauth", dynamicauth.Version)
	return nil
}

// parsePrefixes reads --trusted-proxies: CIDRs or single addresses.
func parsePrefixes(spec string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q: %w", part, err)
			}
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q: %w", part, err)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// hostOfAddr is the default issuer host: the listen address, with a
// wildcard host ("", 0.0.0.0, ::) read as localhost.
func hostOfAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// splitList reads a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
