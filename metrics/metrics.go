// Package metrics exposes what the server is doing as Prometheus metrics:
// requests by route pattern and status, their latency, sign-ins by method
// and outcome, rate-limit refusals, store transaction time, group-commit
// batch sizes, connection pools and the Go runtime. The collectors are
// filled through small interfaces the lower packages declare
// (httpapi.Observer, sqlstore.Observer), so those packages do not import
// Prometheus. Serve Handler on its own listener, never on the API's.
package metrics

import (
	"net/http"
	"net/http/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const namespace = "dynamicauth"

// Metrics holds one registry and the server's collectors. A nil *Metrics
// is valid and records nothing.
type Metrics struct {
	reg        *prometheus.Registry
	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	signIns    *prometheus.CounterVec
	refusals   *prometheus.CounterVec
	txTime     *prometheus.HistogramVec
	batchSizes prometheus.Histogram
	backups    *prometheus.CounterVec
	lastBackup prometheus.Gauge
}

// New makes the collectors and registers them with the Go runtime and
// process collectors in a registry of their own.
func New() *Metrics {
	latencyBuckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "http",
			Name: "requests_total", Help: "HTTP requests by route pattern, method and status."},
			[]string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "http",
			Name: "request_duration_seconds", Help: "HTTP request latency by route pattern.", Buckets: latencyBuckets},
			[]string{"route"}),
		signIns: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "signins_total",
			Help: "Sign-in attempts by method (wallet, passkey, externalAuth, …) and outcome (success, rejected, error)."},
			[]string{"method", "outcome"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Subsystem: "ratelimit",
			Name: "refusals_total", Help: "Requests refused by the per-IP rate limits, by class."}, []string{"class"}),
		txTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "store",
			Name: "transaction_duration_seconds", Help: "Store write transactions by kind (write, grouped, snapshot) " +
				"and outcome, queueing for the writer included.", Buckets: latencyBuckets},
			[]string{"kind", "outcome"}),
		batchSizes: prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: namespace, Subsystem: "store",
			Name: "group_commit_batch_size", Help: "Sign-ins committed together by one SQLite group commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64}}),
		backups: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: namespace, Name: "backups_total",
			Help: "Backups of the SQLite database (scheduled or asked for) by outcome (success, failure)."}, []string{"outcome"}),
		lastBackup: prometheus.NewGauge(prometheus.GaugeOpts{Namespace: namespace, Name: "backup_last_success_timestamp_seconds",
			Help: "When the last successful backup was written (Unix time); alert when it grows old."}),
	}
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.signIns, m.refusals, m.txTime, m.batchSizes, m.backups, m.lastBackup)
	return m
}

// Registry is where further collectors go.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics at /metrics and, if withPprof, the
// net/http/pprof profiles under /debug/pprof/.
func (m *Metrics) Handler(withPprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg}))
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// Request records one HTTP request (httpapi.Observer). route is the
// mux pattern ("POST /api/v0/sdk/{environmentId}/verify"), never the raw
// path, so the label set stays bounded; "" means no route matched.
func (m *Metrics) Request(route string, status int, d time.Duration) {
	if m == nil {
		return
	}
	method := ""
	if route == "" {
		route = "unmatched"
	} else if i := strings.IndexByte(route, ' '); i > 0 {
		method, route = route[:i], route[i+1:]
	}
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// SignIn records one sign-in attempt (httpapi.Observer).
func (m *Metrics) SignIn(method, outcome string) {
	if m == nil {
		return
	}
	m.signIns.WithLabelValues(method, outcome).Inc()
}

// RateLimited records one refusal (httpapi.Observer).
func (m *Metrics) RateLimited(class string) {
	if m == nil {
		return
	}
	m.refusals.WithLabelValues(class).Inc()
}

// Transaction records one store transaction (sqlstore.Observer).
func (m *Metrics) Transaction(kind string, d time.Duration, err error) {
	if m == nil {
		return
	}
	outcome := "commit"
	if err != nil {
		outcome = "rollback"
	}
	m.txTime.WithLabelValues(kind, outcome).Observe(d.Seconds())
}

// GroupCommit records the size of one group commit (sqlstore.Observer).
func (m *Metrics) GroupCommit(n int) {
	if m == nil {
		return
	}
	m.batchSizes.Observe(float64(n))
}

// Backup records one backup's outcome; at is when a successful one was
// written.
func (m *Metrics) Backup(at time.Time, err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.backups.WithLabelValues("failure").Inc()
		return
	}
	m.backups.WithLabelValues("success").Inc()
	m.lastBackup.Set(float64(at.UnixNano()) / 1e9)
}
