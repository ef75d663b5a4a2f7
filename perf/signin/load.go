package main

import (
	"context"
	"crypto/ecdsa"
	"net/http"
	"sync"
	"time"

	"github.com/dynamicauth/dynamicauth/perf/internal/sdkclient"
	"github.com/ethereum/go-ethereum/crypto"
)

// load drives the server the way Dynamic's SDK signs a wallet in.
type load struct {
	base, env string
	workers   int
	http      *http.Client           // with ownConns false
	ownConns  bool                   // each worker reads and writes a connection itself (sdkclient.Conn)
	repeaters []*ecdsa.PrivateKey    // the wallets of the repeat-sign-in workers
	fresh     chan *ecdsa.PrivateKey // new wallets, made ahead of the phases
}

func newLoad(c config, base, env string, workers int) *load {
	tr := &http.Transport{MaxIdleConns: workers * 2, MaxIdleConnsPerHost: workers * 2, IdleConnTimeout: time.Minute}
	l := &load{base: base + "/api/v0/sdk/" + env, env: env, workers: workers, http: &http.Client{Transport: tr, Timeout: 30 * time.Second},
		ownConns: c.generator != "transport"}
	for range workers {
		k, _ := crypto.GenerateKey()
		l.repeaters = append(l.repeaters, k)
	}
	// Wallets exist before they sign in: making their keys is not the
	// server's load, and not the generator's during a phase either.
	l.fresh = make(chan *ecdsa.PrivateKey, freshWallets)
	for range freshWallets {
		k, _ := crypto.GenerateKey()
		l.fresh <- k
	}
	return l
}

// run keeps the workers signing in for d. With rate > 0 the workers are
// paced to that many sign-ins a second in all (an open loop: latency is
// measured from each sign-in's scheduled start); otherwise each starts
// the next as soon as the last is done. Even workers sign in a new wallet
// each time, odd ones sign their own wallet in again.
func (l *load) run(ctx context.Context, d time.Duration, rate float64) result {
	var mu sync.Mutex
	var total result
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := range l.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r result
			sender, closeSender := l.sender()
			defer closeSender()
			var interval time.Duration
			next := start
			if rate > 0 {
				interval = time.Duration(float64(l.workers) / rate * float64(time.Second))
				next = start.Add(time.Duration(w) * interval / time.Duration(l.workers))
			}
			for {
				if rate > 0 {
					time.Sleep(time.Until(next))
				} else {
					next = time.Now()
				}
				if next.After(deadline) {
					break
				}
				key, first := l.repeaters[w], false
				if w%2 == 0 {
					key, first = l.newWallet(), true
				}
				if err := sdkclient.SignIn(ctx, sender, l.base, l.env, key); err != nil {
					r.errors++
					if r.firstErr == "" {
						r.firstErr = err.Error()
					}
				} else {
					r.n++
					r.lat = append(r.lat, time.Since(next))
					if first {
						r.first++
					} else {
						r.repeat++
					}
				}
				next = next.Add(interval)
			}
			mu.Lock()
			total.merge(&r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	total.elapsed = time.Since(start)
	return total
}

// freshWallets is how many new wallets are made ahead.
const freshWallets = 20_000

func (l *load) newWallet() *ecdsa.PrivateKey {
	select {
	case k := <-l.fresh:
		return k
	default: // ran out: make one now
		k, _ := crypto.GenerateKey()
		return k
	}
}

// sender is one worker's way of sending its requests, and what closes it.
func (l *load) sender() (sdkclient.Sender, func()) {
	if !l.ownConns {
		return sdkclient.HTTP{Client: l.http}, func() {}
	}
	c, err := sdkclient.NewConn(l.base)
	if err != nil {
		panic(err) // l.base is the server's http:// address
	}
	return c, c.Close
}
