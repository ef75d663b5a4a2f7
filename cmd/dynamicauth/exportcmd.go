package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/exports"
)

// exportCmd writes an export of an environment to a file (or stdout):
//
//	dynamicauth export --env ID [--model users] [--format csv] [-o FILE]
//
// It queues the export as the API does (the same job, events and stored
// file) and writes it in this process, with a progress bar on a terminal.
func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var env, model, format, outPath string
	o, log, err := command("export", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&env, "env", "", "environment to export")
		fs.StringVar(&model, "model", exports.ModelUsers, "users, visits, wallets or events")
		fs.StringVar(&format, "format", exports.FormatCSV, "csv or json")
		fs.StringVar(&outPath, "o", "", "file to write (default: standard output)")
	})
	if err != nil {
		return err
	}
	if env == "" {
		return errors.New("usage: dynamicauth export --env ENVIRONMENT_ID [--model users|visits|wallets|events] [--format csv|json] [-o FILE]")
	}
	auth, st, err := o.open(ctx, log)
	if err != nil {
		return err
	}
	defer st.Close()
	e, err := st.GetEnvironment(ctx, env)
	if err != nil {
		return fmt.Errorf("--env %s: %w", env, err)
	}
	p := dynamicauth.System(e.OrganizationID)
	job, err := auth.Exports().Create(ctx, p, env, exports.Input{Format: format, Model: model})
	if err != nil {
		return err
	}
	prog := newProgress(stderr, -1, "exporting "+model)
	runner := exports.NewRunner(exports.RunnerDeps{Store: st, Log: log, Progress: func(x *exports.Export, rows int64) {
		if x.ID == job.ID {
			prog.set(int(rows))
		}
	}})
	for {
		got, err := auth.Exports().Get(ctx, p, env, job.ID)
		if err != nil {
			return err
		}
		if got.Status != exports.StatusPending {
			job = got
			break
		}
		// Write pending exports here (ours, or older ones first); when a
		// running server holds ours, wait for it.
		ran, err := runner.RunOnce(ctx)
		if err != nil {
			return err
		}
		if !ran {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	prog.finish()
	if job.Status == exports.StatusFailed {
		return fmt.Errorf("export %s failed: %s", job.ID, job.Error)
	}
	_, body, err := auth.Exports().Open(ctx, p, env, job.ID)
	if err != nil {
		return err
	}
	if outPath == "" {
		if _, err := io.Copy(stdout, body); err != nil {
			return fmt.Errorf("write the export: %w", err)
		}
		return nil
	}
	if err := writeFile(outPath, body); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %d %s (%d bytes) to %s (export %s)\n", job.Rows, model, job.Bytes, outPath, job.ID)
	return nil
}

// writeFile writes body to path, its close checked: a full disk may
// report itself only there, and "wrote" must not follow a short file.
func writeFile(path string, body io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, body); err != nil {
		_ = f.Close()
		return fmt.Errorf("write the export to %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write the export to %s: %w", path, err)
	}
	return nil
}
