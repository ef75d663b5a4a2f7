package verifier

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

const (
	// maxJWKSBytes bounds what a misbehaving endpoint can make us read.
	maxJWKSBytes = 1 << 20
	// defaultMaxAge applies when the source gives no Cache-Control max-age.
	defaultMaxAge = 5 * time.Minute
	// maxMaxAge caps a huge max-age so a rotation is seen within a day.
	maxMaxAge = 24 * time.Hour
)

// fetchFunc loads the current key set and says how long it stays fresh.
type fetchFunc func(ctx context.Context) (jose.JSONWebKeySet, time.Duration, error)

// httpFetch fetches a JWKS document from url.
func httpFetch(client *http.Client, url string) fetchFunc {
	return func(ctx context.Context) (jose.JSONWebKeySet, time.Duration, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("build jwks request: %w", err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("fetch jwks: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("fetch jwks %s: status %d", url, resp.StatusCode)
		}
		body, err := readLimited(resp.Body, maxJWKSBytes)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("read jwks %s: %w", url, err)
		}
		set, err := parseKeySet(body)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("parse jwks %s: %w", url, err)
		}
		return set, maxAge(resp.Header), nil
	}
}

// sourceFetch adapts an in-process KeySource; it has no cache hints.
func sourceFetch(src KeySource) fetchFunc {
	return func(ctx context.Context) (jose.JSONWebKeySet, time.Duration, error) {
		set, err := src.Keys(ctx)
		if err != nil {
			return jose.JSONWebKeySet{}, 0, fmt.Errorf("key source: %w", err)
		}
		return set, defaultMaxAge, nil
	}
}

func readLimited(r io.Reader, limit int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > limit {
		return nil, fmt.Errorf("body exceeds %d bytes", limit)
	}
	return body, nil
}

// parseKeySet decodes each key on its own, so one key of a type go-jose
// does not know (a future algorithm) does not hide the others.
func parseKeySet(body []byte) (jose.JSONWebKeySet, error) {
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return jose.JSONWebKeySet{}, err
	}
	var set jose.JSONWebKeySet
	var errs []error
	for _, r := range raw.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(r); err != nil {
			errs = append(errs, err)
			continue
		}
		set.Keys = append(set.Keys, k)
	}
	if len(set.Keys) == 0 && len(errs) > 0 {
		return jose.JSONWebKeySet{}, fmt.Errorf("no usable keys: %w", errors.Join(errs...))
	}
	return set, nil
}

// maxAge reads Cache-Control loosely: max-age if present, zero for
// no-cache/no-store (the cache clamps it up), else the default.
func maxAge(h http.Header) time.Duration {
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-cache", "no-store":
			return 0
		case "max-age":
			if secs, err := strconv.ParseInt(strings.Trim(value, `"`), 10, 64); err == nil && secs >= 0 {
				return time.Duration(min(secs, int64(maxMaxAge/time.Second))) * time.Second
			}
		}
	}
	return defaultMaxAge
}
