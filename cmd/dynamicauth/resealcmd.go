package main

import (
	"context"
	"fmt"
	"io"
)

// resealCmd seals every stored secret under the current master secret
// (--secret, or --secret-file, default <db>.secret), opening what the
// previous ones sealed (--previous-secret-file). It never creates the
// current secret: the servers must already hold it (a restart with the
// old one as --previous-secret-file creates it), or they could not open
// what it reseals. It runs beside serving servers; running it again
// finishes an interrupted run. Values that open under none of the secrets
// fail the command (they are left as they are).
func resealCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, log, err := command("reseal", args, stderr, nil)
	if err != nil {
		return err
	}
	if _, err := o.existingMasterSecret(); err != nil {
		return err
	}
	if len(o.previousSecretFiles) == 0 {
		log.Warn("no --previous-secret-file: only checking that every sealed value opens under the current master secret")
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := auth.ResealSecrets(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "resealed %d values under the current master secret (%d already were)\n", n.Resealed, n.Current)
	if n.Changed > 0 {
		fmt.Fprintf(stdout, "%d values changed while resealing: run reseal again\n", n.Changed)
	}
	if n.Unreadable > 0 {
		return fmt.Errorf("%d values open under none of the master secrets given, the first %s; they were left as they are", n.Unreadable, n.FirstUnreadable)
	}
	return nil
}
