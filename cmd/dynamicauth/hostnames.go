package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/dynamicauth/dynamicauth/envconfig"
)

const hostnamesUsage = `usage:
  dynamicauth hostnames list --env ID [--json]
  dynamicauth hostnames verify --env ID --hostname NAME [--failed]`

// hostnamesCmd lists an environment's custom hostnames and records the
// operator's verification of one:
//
//	dynamicauth hostnames list --env ID [--json]
//	dynamicauth hostnames verify --env ID --hostname NAME [--failed]
//
// A hostname added over the API stays pending until verified here (or
// from Go with EnvConfig().VerifyHostname): only an active one names the
// JWT issuer when it is a request's Host and passes CORS as an https
// origin. --failed marks it failed instead (it then does neither). A
// running server sees the change within its environment cache's TTL.
func hostnamesCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isHelp(args[0]) { // each subcommand's flags
		fmt.Fprintln(stderr, hostnamesUsage)
		for _, sub := range []string{"list", "verify"} {
			if err := hostnamesCmd(ctx, []string{sub, "-h"}, stdout, stderr); !errors.Is(err, flag.ErrHelp) {
				return err
			}
		}
		return flag.ErrHelp
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "verify") {
		return errors.New(hostnamesUsage)
	}
	sub := args[0]
	var env, hostname string
	var asJSON, failed bool
	o, log, err := command("hostnames "+sub, args[1:], stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&env, "env", "", "environment whose custom hostnames to show or verify")
		if sub == "list" {
			fs.BoolVar(&asJSON, "json", false, "print the hostnames as a JSON array")
		} else {
			fs.StringVar(&hostname, "hostname", "", "the custom hostname (or its id) to verify")
			fs.BoolVar(&failed, "failed", false, "mark the hostname failed (its DNS does not point here) instead of active")
		}
	})
	if err != nil {
		return err
	}
	if env == "" || (sub == "verify" && hostname == "") {
		return errors.New(hostnamesUsage)
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.GetEnvironment(ctx, env); err != nil {
		return fmt.Errorf("--env %s: %w", env, err)
	}
	if sub == "list" {
		all, err := auth.EnvConfig().Hostnames(ctx, env)
		if err != nil {
			return err
		}
		return printHostnames(stdout, all, asJSON)
	}
	h, err := auth.EnvConfig().VerifyHostname(ctx, env, hostname, !failed)
	if err != nil {
		return fmt.Errorf("--hostname %s: %w", hostname, err)
	}
	fmt.Fprintf(stdout, "%s: %s\n", h.Hostname, h.Status)
	return nil
}

type hostnameLine struct {
	ID        string    `json:"id"`
	Hostname  string    `json:"hostname"`
	Usage     string    `json:"usage"`
	Status    string    `json:"status"`
	UpdatedAt time.Time `json:"updatedAt"`
}

func printHostnames(w io.Writer, all []envconfig.Hostname, asJSON bool) error {
	if asJSON {
		lines := make([]hostnameLine, len(all))
		for i, h := range all {
			lines[i] = hostnameLine{ID: h.ID, Hostname: h.Hostname, Usage: h.Usage, Status: h.Status, UpdatedAt: h.UpdatedAt.UTC()}
		}
		return json.NewEncoder(w).Encode(lines)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "HOSTNAME\tSTATUS\tUSAGE\tID")
	for _, h := range all {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", h.Hostname, h.Status, h.Usage, h.ID)
	}
	return tw.Flush()
}
