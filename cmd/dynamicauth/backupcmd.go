package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/store/postgres"
)

// backupCmd writes a consistent copy of the SQLite database, while a
// server may be serving from it:
//
//	dynamicauth backup -o FILE
//
// It neither migrates the database nor reads or creates the master
// secret (a backup changes nothing); it names the secret file, which the
// copy needs and does not hold.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var out string
	o, _, err := command("backup", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&out, "o", "", "file to write the copy to (must not exist)")
	})
	if err != nil {
		return err
	}
	if out == "" {
		return errors.New("usage: dynamicauth backup -o FILE")
	}
	if postgres.IsURL(o.db) {
		return errors.New("--db is a PostgreSQL database: back it up with pg_dump (or a base backup)")
	}
	if !strings.HasPrefix(o.db, "file:") { // opening would create a missing file
		if _, err := os.Stat(o.db); err != nil {
			return fmt.Errorf("--db %s: %w", o.db, err)
		}
	}
	st, err := o.openStore(ctx, true)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	if err := st.Backup(ctx, out); err != nil {
		return err
	}
	fi, err := os.Stat(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s (%d bytes, %s)\n", o.db, out, fi.Size(), time.Since(start).Round(time.Millisecond))
	if o.secret == "" {
		secretFile := o.secretFile
		if secretFile == "" {
			secretFile = o.db + ".secret"
		}
		fmt.Fprintf(stdout, "the copy's keys and secrets open only with the master secret in %s: keep a copy of it too, stored apart from this one\n", secretFile)
	}
	return nil
}
