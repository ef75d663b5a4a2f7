package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
)

// lookup is one admin request, for user i of the environment.
type lookup struct {
	name string
	path func(i int) string
}

func (e *environment) lookups(n int) []lookup {
	list := "/environments/" + e.envID + "/users"
	filter := func(col string, value func(i int) string) func(int) string {
		return func(i int) string {
			return list + "?" + url.Values{"filter[filterColumn]": {col}, "filter[filterValue]": {value(i)}}.Encode()
		}
	}
	page := func(offset int) string { return list + "?offset=" + strconv.Itoa(offset) + "&limit=100" }
	return []lookup{
		{"user by id (GET users/{id})", func(i int) string { return list + "/" + userID(i) }},
		{"list: filter id", filter("id", func(i int) string { return userID(i) })},
		{"list: filter walletPublicKey", filter("walletPublicKey", func(i int) string { return fmt.Sprintf("0x%040x", i) })},
		{"list: filter email (whole address)", filter("email", func(i int) string { return fmt.Sprintf("user%d@example.com", i) })},
		// (no user has it whole: a search of the trigram index)
		{"list: filter email (part of an address)", filter("email", func(i int) string { return fmt.Sprintf("r%d@exam", i) })},
		{"list: filter phoneNumber", filter("phoneNumber", func(i int) string { return fmt.Sprintf("+1555%07d", i) })},
		{"list: filter alias", filter("alias", func(i int) string { return "alias" + strconv.Itoa(i) })},
		{"list: filter username", filter("username", func(i int) string { return "user" + strconv.Itoa(i) })},
		{"list: first page (100)", func(int) string { return list }},
		// The first deep page is read by hops from the list's end (no
		// anchor yet); later ones start from the nearest anchor.
		{"list: offset n/2 (the first request)", func(int) string { return page(n / 2) }},
		{"list: offsets n/2 .. n/2+100,000 at random", func(i int) string { return page(n/2 + i%100_000) }},
		{"list: the pages after offset n/2 in turn", func() func(int) string {
			next := n / 2
			return func(int) string { next += 100; return page(next) }
		}()},
	}
}

// time sends the lookup for random users until samples or budget run out.
func (e *environment) time(ctx context.Context, l lookup, samples int, budget time.Duration) ([]time.Duration, error) {
	var lat []time.Duration
	n := max(1, e.users)
	end := time.Now().Add(budget)
	for len(lat) < samples && (len(lat) < 3 || time.Now().Before(end)) {
		path := l.path(1 + rand.IntN(n))
		start := time.Now()
		if err := e.do(ctx, "GET", path, nil, nil); err != nil {
			return nil, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}

func quantile(lat []time.Duration, q float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// imports sends c.imports bulk requests of 1,000 new users alone (the
// rate, request by request), then c.busyImports more while one client
// signs in over and over (its latency against idle, and the rate then).
func (e *environment) imports(ctx context.Context, c config, out io.Writer) error {
	key, err := crypto.GenerateKey()
	if err != nil {
		return err
	}
	idle, err := e.signIns(ctx, key, nil, 100)
	if err != nil {
		return fmt.Errorf("sign-in: %w", err)
	}
	// New users are numbered after those there (a reused database holds
	// the imports of earlier runs).
	before, err := e.count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "| bulk request | users before | created | seconds | users/s |")
	fmt.Fprintln(out, "|---|---|---|---|---|")
	alone, took, err := e.importRequests(ctx, out, before, c.imports)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\n%d users imported in %.1f s: %.0f users/s\n", alone, took.Seconds(), float64(alone)/took.Seconds())
	if c.busyImports == 0 {
		return nil
	}
	stop := make(chan struct{})
	var busy []time.Duration
	var busyErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		busy, busyErr = e.signIns(ctx, key, stop, math.MaxInt)
	}()
	fmt.Fprintln(out, "\nwhile a client signs in:")
	n, took, err := e.importRequests(ctx, out, before+alone, c.busyImports)
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	if busyErr != nil {
		return fmt.Errorf("sign-in during the imports: %w", busyErr)
	}
	fmt.Fprintf(out, "\n%d users imported in %.1f s: %.0f users/s\n", n, took.Seconds(), float64(n)/took.Seconds())
	fmt.Fprintf(out, "wallet sign-in (nonce + verify): idle p50 %.2f ms p95 %.2f ms; during the imports p50 %.2f ms p95 %.2f ms (%d sign-ins)\n",
		ms(quantile(idle, .5)), ms(quantile(idle, .95)), ms(quantile(busy, .5)), ms(quantile(busy, .95)), len(busy))
	return nil
}

// importRequests sends n bulk requests of 1,000 new users numbered after
// before, a table row each, and returns the users created and the time.
func (e *environment) importRequests(ctx context.Context, out io.Writer, before, n int) (int, time.Duration, error) {
	total, start := 0, time.Now()
	for r := range n {
		rows := make([]map[string]any, 1000)
		for i := range rows {
			k := before + r*1000 + i + 1
			rows[i] = map[string]any{"email": fmt.Sprintf("import%d@example.com", k), "alias": "imported",
				"wallets": []map[string]string{{"publicWalletAddress": fmt.Sprintf("0x%040x", k+1<<60), "chain": "EVM",
					"walletName": "metamask", "walletProvider": "browserExtension"}}}
		}
		var res struct {
			Created []struct{} `json:"created"`
			Failed  []struct {
				Error string `json:"error"`
			} `json:"failed"`
		}
		t0 := time.Now()
		if err := e.do(ctx, "POST", "/environments/"+e.envID+"/users/bulk", rows, &res); err != nil {
			return total, 0, err
		}
		d := time.Since(t0)
		if len(res.Failed) > 0 {
			fmt.Fprintf(out, "(request %d: %d failed, first: %s)\n", r+1, len(res.Failed), res.Failed[0].Error)
		}
		fmt.Fprintf(out, "| %d | %d | %d | %.2f | %.0f |\n", r+1, before+total, len(res.Created), d.Seconds(),
			float64(len(res.Created))/d.Seconds())
		total += len(res.Created)
	}
	return total, time.Since(start), nil
}
