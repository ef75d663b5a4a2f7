package main

import (
	"context"
	"crypto/ecdsa"
	"time"

	"github.com/dynamicauth/dynamicauth/perf/internal/sdkclient"
)

// signIn is one wallet sign-in, as Dynamic's SDK sends it.
func (e *environment) signIn(ctx context.Context, key *ecdsa.PrivateKey) error {
	return sdkclient.SignIn(ctx, sdkclient.HTTP{Client: e.http}, e.srv.URL+"/api/v0/sdk/"+e.envID, e.envID, key)
}

// signIns signs key in until stop is closed, returning the latencies.
func (e *environment) signIns(ctx context.Context, key *ecdsa.PrivateKey, stop <-chan struct{}, limit int) ([]time.Duration, error) {
	var lat []time.Duration
	for len(lat) < limit {
		select {
		case <-stop:
			return lat, nil
		default:
		}
		start := time.Now()
		if err := e.signIn(ctx, key); err != nil {
			return lat, err
		}
		lat = append(lat, time.Since(start))
	}
	return lat, nil
}
