package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
)

// compare runs the server of another build (-compare) and this build's
// side by side, each with its own temporary database and half the
// workers, loaded at the same time: on a shared, busy machine both meet
// the same conditions, so their CPU per sign-in can be compared where
// figures of separate runs could not. It prints each phase and the median
// of the ratio this / other.
func compare(ctx context.Context, c config, out io.Writer) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	var srvs []*child
	var loads []*load
	var dbs []string
	for _, exe := range []string{c.compare, self} {
		db, cleanup, err := tempDatabase(ctx, c)
		if err != nil {
			return err
		}
		defer cleanup()
		dbs = append(dbs, db)
		srv, err := startServerOf(ctx, exe, c, db)
		if err != nil {
			return fmt.Errorf("%s: %w", exe, err)
		}
		defer srv.stop()
		srvs = append(srvs, srv)
		loads = append(loads, newLoad(c, srv.base, srv.env, max(c.workers/2, 1)))
	}
	both := func() ([2]result, [2]cpuUse) {
		var res [2]result
		var cpu [2]cpuUse
		meters := [2]cpuMeter{startCPU(srvs[0].cmd.Process.Pid), startCPU(srvs[1].cmd.Process.Pid)}
		pg := [2]*pgMeter{startDB(ctx, c, dbs[0]), startDB(ctx, c, dbs[1])}
		var wg sync.WaitGroup
		for i := range loads {
			wg.Go(func() { res[i] = loads[i].run(ctx, c.duration, 0) })
		}
		wg.Wait()
		for i := range meters {
			cpu[i] = meters[i].used()
			res[i].db, res[i].dbOK = pg[i].used(ctx)
		}
		return res, cpu
	}
	var warm sync.WaitGroup
	for i := range loads {
		warm.Go(func() { loads[i].run(ctx, c.warmup, 0) })
	}
	warm.Wait()
	for _, db := range dbs {
		if err := analyzeDatabase(ctx, c, db); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "backend %s, %s, side by side, %d workers each, %s per phase\nother: %s\nthis:  %s\n",
		c.backend, c.alg, max(c.workers/2, 1), c.duration, c.compare, self)
	fmt.Fprintf(out, "%-6s %16s %16s %18s %18s %8s %12s %12s %8s %6s\n", "phase", "other signins/s", "this signins/s",
		"other server ms CPU", "this server ms CPU", "this/other", "other db ms", "this db ms", "db t/o", "load")
	var ratios, dbRatios []float64
	for round := range c.rounds {
		res, cpu := both()
		a, b := perSignIn(cpu[0].server, res[0].n), perSignIn(cpu[1].server, res[1].n)
		ratios = append(ratios, b/a)
		dbRatio := "-"
		if res[0].dbOK && res[1].dbOK {
			r := perSignIn(res[1].db, res[1].n) / perSignIn(res[0].db, res[0].n)
			dbRatios = append(dbRatios, r)
			dbRatio = fmt.Sprintf("%.3f", r)
		}
		fmt.Fprintf(out, "%-6d %16.0f %16.0f %18.2f %18.2f %8.3f %12s %12s %8s %6s\n", round+1, res[0].rate(), res[1].rate(), a, b, b/a,
			dbCPU(res[0]), dbCPU(res[1]), dbRatio, loadAverage())
		if res[0].errors+res[1].errors > 0 {
			fmt.Fprintf(out, "errors: other %d (%s), this %d (%s)\n", res[0].errors, res[0].firstErr, res[1].errors, res[1].firstErr)
		}
	}
	slices.Sort(ratios)
	fmt.Fprintf(out, "median CPU per sign-in this/other: %.3f (min %.3f, max %.3f)\n", ratios[len(ratios)/2], ratios[0], ratios[len(ratios)-1])
	if len(dbRatios) > 0 {
		slices.Sort(dbRatios)
		fmt.Fprintf(out, "median PostgreSQL CPU per sign-in this/other: %.3f (min %.3f, max %.3f)\n", dbRatios[len(dbRatios)/2],
			dbRatios[0], dbRatios[len(dbRatios)-1])
	}
	return nil
}
