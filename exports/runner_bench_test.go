package exports_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dynamicauth/dynamicauth/exports"
)

// BenchmarkExportUsers writes a users CSV of 10k and 100k users (each
// with a wallet every third, metadata) and reports the heap's peak while
// the runner writes it: flat in the row count, since rows are read a page
// at a time and stored a chunk at a time.
//
//	go test -run - -bench ExportUsers -benchtime 1x ./exports
func BenchmarkExportUsers(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			f := newFixture(b)
			start := time.Now()
			f.seedT(b, n)
			b.Logf("seeded %d users in %s (%.0f/s through the bulk API)", n, time.Since(start).Round(time.Millisecond),
				float64(n)/time.Since(start).Seconds())
			b.ResetTimer()
			var peak uint64
			for range b.N {
				if _, err := f.app.Exports().Create(context.Background(), f.app.System, f.env,
					exports.Input{Format: exports.FormatCSV, Model: exports.ModelUsers}); err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				var base runtime.MemStats
				runtime.ReadMemStats(&base)
				var stop atomic.Bool
				done := make(chan uint64)
				go func() {
					var max uint64
					var m runtime.MemStats
					for !stop.Load() {
						runtime.ReadMemStats(&m)
						if m.HeapInuse > max {
							max = m.HeapInuse
						}
						time.Sleep(2 * time.Millisecond)
					}
					done <- max
				}()
				r := exports.NewRunner(exports.RunnerDeps{Store: f.store})
				if _, err := r.RunOnce(context.Background()); err != nil {
					b.Fatal(err)
				}
				stop.Store(true)
				if m := <-done; m > base.HeapInuse && m-base.HeapInuse > peak {
					peak = m - base.HeapInuse
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
