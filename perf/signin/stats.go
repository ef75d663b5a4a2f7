package main

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// result is one phase's completed sign-ins and their latencies.
type result struct {
	n, errors     int
	first, repeat int
	elapsed       time.Duration
	lat           []time.Duration
	idle          float64
	firstErr      string
}

func (r *result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.n) / r.elapsed.Seconds()
}

func (r *result) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	return r.lat[min(len(r.lat)-1, int(q*float64(len(r.lat))))]
}

func (r *result) merge(o *result) {
	r.n += o.n
	r.errors += o.errors
	r.first += o.first
	r.repeat += o.repeat
	r.lat = append(r.lat, o.lat...)
	if r.firstErr == "" {
		r.firstErr = o.firstErr
	}
}

func numCPU() int { return runtime.GOMAXPROCS(0) }

// idleMeter reads the machine's idle CPU share between two /proc/stat
// samples (0 where /proc is missing).
type idleMeter struct{ idle, total uint64 }

func startIdle() idleMeter {
	i, t := cpuTimes()
	return idleMeter{i, t}
}

func (m idleMeter) share() float64 {
	i, t := cpuTimes()
	if t <= m.total {
		return 0
	}
	return float64(i-m.idle) / float64(t-m.total)
}

func cpuTimes() (idle, total uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:] {
		n, _ := strconv.ParseUint(v, 10, 64)
		total += n
		if i == 3 || i == 4 { // idle, iowait
			idle += n
		}
	}
	return idle, total
}
