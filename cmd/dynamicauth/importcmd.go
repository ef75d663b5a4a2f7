package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/importer"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// importCmd loads users into an environment: from a users file (an
// export's CSV or JSON) or from Dynamic's API.
//
//	dynamicauth import --env ID FILE
//	dynamicauth import --env ID --from-dynamic https://app.dynamicauth.com --dynamic-env ID --dynamic-token TOKEN
func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var env, from, dynEnv, dynToken string
	var batch int
	o, log, files, err := commandArgs("import", args, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&env, "env", "", "environment to import the users into")
		fs.StringVar(&from, "from-dynamic", "", "read the users from Dynamic's API at this base URL (e.g. https://app.dynamicauth.com)")
		fs.StringVar(&dynEnv, "dynamic-env", "", "with --from-dynamic: the environment id at Dynamic")
		fs.StringVar(&dynToken, "dynamic-token", "", "with --from-dynamic: a Dynamic API token (environment.users.read)")
		fs.IntVar(&batch, "batch", 500, "users per bulk transaction batch (at most 1000)")
	})
	if err != nil {
		return err
	}
	if env == "" || (from == "") == (len(files) == 0) || len(files) > 1 {
		return errors.New("usage: dynamicauth import --env ENVIRONMENT_ID (FILE | --from-dynamic URL --dynamic-env ID --dynamic-token TOKEN)")
	}
	if batch < 1 || batch > 1000 {
		return errors.New("--batch: 1 to 1000")
	}
	var src importer.Source
	total := -1
	switch {
	case from != "":
		if dynEnv == "" || dynToken == "" {
			return errors.New("--from-dynamic needs --dynamic-env and --dynamic-token (or DYNAMICAUTH_DYNAMIC_TOKEN)")
		}
		ds := &importer.DynamicSource{BaseURL: from, Token: dynToken, EnvID: dynEnv, Client: &http.Client{Timeout: time.Minute}}
		src = ds
	default:
		f, err := os.Open(files[0])
		if err != nil {
			return err
		}
		defer f.Close()
		if src, err = importer.NewFileSource(f); err != nil {
			return err
		}
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
	prog := newProgress(stderr, total, "importing users")
	start := time.Now()
	sum, err := importer.Run(ctx, importer.Deps{Users: auth.Users(), Principal: dynamicauth.System(e.OrganizationID),
		EnvID: env, Batch: batch, Progress: prog.set}, src)
	prog.finish()
	if sum != nil {
		printSummary(stdout, sum, time.Since(start))
	}
	if err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("%d users were not imported (listed above); fix them and run the import again: it is idempotent", len(sum.Failed))
	}
	return nil
}

func printSummary(w io.Writer, s *importer.Summary, took time.Duration) {
	rate := float64(s.Read()) / took.Seconds()
	fmt.Fprintf(w, "read %d users in %s (%.0f/s): created %d, updated %d, skipped %d, failed %d\n",
		s.Read(), took.Round(time.Millisecond), rate, s.Created, s.Updated, len(s.Skipped), len(s.Failed))
	const shown = 50
	for i, p := range append(append([]importer.Problem{}, s.Failed...), s.Skipped...) {
		if i == shown {
			fmt.Fprintf(w, "… and %d more\n", len(s.Failed)+len(s.Skipped)-shown)
			break
		}
		kind := "failed"
		if i >= len(s.Failed) {
			kind = "skipped"
		}
		fmt.Fprintf(w, "  %s %s: %s\n", kind, p.Where, p.Reason)
	}
}

// progress shows how far a long command got: a bar on a terminal
// (github.com/schollz/progressbar), a plain line per step otherwise (logs,
// CI), never more than one line a second.
type progress struct {
	bar  *progressbar.ProgressBar
	w    io.Writer
	what string
	last time.Time
	n    int
}

func newProgress(w io.Writer, total int, what string) *progress {
	p := &progress{w: w, what: what}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(what),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish())
	}
	return p
}

func (p *progress) set(n int) {
	p.n = n
	if p.bar != nil {
		_ = p.bar.Set(n)
		return
	}
	if time.Since(p.last) >= time.Second {
		p.last = time.Now()
		fmt.Fprintf(p.w, "%s: %d\n", p.what, n)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	fmt.Fprintf(p.w, "%s: %d, done\n", p.what, p.n)
}
