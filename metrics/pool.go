package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is a connection pool's state at one moment.
type PoolStats struct {
	MaxOpen, Open, InUse, Idle int
	WaitCount                  int64
	WaitDuration               time.Duration
}

// WatchPools reports the pools stats returns, read at each scrape and
// labelled by pool name ("sqlite_reader", "postgres", …).
func (m *Metrics) WatchPools(stats func() map[string]PoolStats) {
	m.reg.MustRegister(&poolCollector{stats: stats})
}

var (
	poolMax    = prometheus.NewDesc(namespace+"_db_pool_max_connections", "Most connections the pool opens.", []string{"pool"}, nil)
	poolOpen   = prometheus.NewDesc(namespace+"_db_pool_open_connections", "Connections open.", []string{"pool"}, nil)
	poolInUse  = prometheus.NewDesc(namespace+"_db_pool_in_use_connections", "Connections in use.", []string{"pool"}, nil)
	poolIdle   = prometheus.NewDesc(namespace+"_db_pool_idle_connections", "Connections idle.", []string{"pool"}, nil)
	poolWaits  = prometheus.NewDesc(namespace+"_db_pool_waits_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
	poolWaited = prometheus.NewDesc(namespace+"_db_pool_wait_seconds_total", "Time callers waited for a connection.", []string{"pool"}, nil)
)

type poolCollector struct{ stats func() map[string]PoolStats }

func (c *poolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMax, poolOpen, poolInUse, poolIdle, poolWaits, poolWaited} {
		ch <- d
	}
}

func (c *poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, s := range c.stats() {
		ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxOpen), name)
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.Open), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.WaitCount), name)
		ch <- prometheus.MustNewConstMetric(poolWaited, prometheus.CounterValue, s.WaitDuration.Seconds(), name)
	}
}
