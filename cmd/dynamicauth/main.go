// Command dynamicauth runs the dynamicauth server and its maintenance tasks.
//
//	dynamicauth [serve] [--db PATH] [--addr HOST:PORT]
//	dynamicauth init [--db PATH] [--email EMAIL] [--json]
//	dynamicauth migrate [status|up] [--db PATH]
//	dynamicauth keys rotate --env ID [--db PATH]
//	dynamicauth export --env ID [--model users] [--format csv] [-o FILE]
//	dynamicauth import --env ID [--batch N] (FILE | --from-dynamic URL --dynamic-env ID --dynamic-token TOKEN)
//	dynamicauth hostnames list --env ID [--json]
//	dynamicauth hostnames verify --env ID --hostname NAME [--failed]
//	dynamicauth backup -o FILE|-
//	dynamicauth restore --from FILE [--damaged]
//	dynamicauth reseal --previous-secret-file OLD
//	dynamicauth version
//
// Every flag can also be set as an environment variable DYNAMICAUTH_<FLAG>
// (upper case, dashes as underscores), e.g. DYNAMICAUTH_DB.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			// the library's errors carry the same prefix: say it once
			fmt.Fprintln(os.Stderr, "dynamicauth:", strings.TrimPrefix(err.Error(), "dynamicauth: "))
		}
		os.Exit(1)
	}
}

const usage = `usage:
  dynamicauth [serve] [flags]        run the server (the default)
  dynamicauth init [--json] [flags]  seed the database / issue a new owner API token
  dynamicauth migrate [status|up]    show or apply schema migrations
  dynamicauth keys rotate --env ID   start signing an environment's JWTs with a new key
  dynamicauth export --env ID        write users, visits, wallets or events as CSV or JSON
  dynamicauth import --env ID FILE   load users from an export file (CSV or JSON), or
                 --from-dynamic URL  from Dynamic's API (--dynamic-env, --dynamic-token)
  dynamicauth hostnames list --env ID
                                     show an environment's custom hostnames and their status
  dynamicauth hostnames verify --env ID --hostname NAME [--failed]
                                     mark a custom hostname active (its DNS points here) or failed
  dynamicauth backup -o FILE|-       copy the SQLite database while it serves
  dynamicauth restore --from FILE    put a backup in place of the (stopped) SQLite database
  dynamicauth reseal --previous-secret-file OLD
                                     seal every stored secret under the current master secret
  dynamicauth version                print the version
Run "dynamicauth <command> -h" for its flags.`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCmd(ctx, args, stdout, stderr)
	case "init":
		return initCmd(ctx, args, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args, stdout, stderr)
	case "keys":
		return keysCmd(ctx, args, stdout, stderr)
	case "export":
		return exportCmd(ctx, args, stdout, stderr)
	case "import":
		return importCmd(ctx, args, stdout, stderr)
	case "hostnames":
		return hostnamesCmd(ctx, args, stdout, stderr)
	case "backup":
		return backupCmd(ctx, args, stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args, stdout, stderr)
	case "reseal":
		return resealCmd(ctx, args, stdout, stderr)
	case "version":
		return versionCmd(stdout)
	case "help":
		fmt.Fprintln(stdout, usage)
		return nil
	default:
		fmt.Fprintln(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}
