package postgres

import (
	"context"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
)

// TakeToken implements ratelimit.Store: one statement refills the bucket
// for the time since its last use and takes a token if one is there, so
// concurrent replicas never hand out more than the rule allows.
func (s *Store) TakeToken(ctx context.Context, key string, burst int, per time.Duration, now time.Time) (bool, time.Duration, error) {
	rate := float64(burst) / per.Seconds() // tokens per second
	var allowed bool
	var tokens float64
	err := s.db.QueryRow(ctx, `
		INSERT INTO rate_limits AS r (key, tokens, allowed, updated_at) VALUES ($1, $2::float8 - 1, true, $3)
		ON CONFLICT (key) DO UPDATE SET
			tokens = CASE WHEN least($2::float8, r.tokens + greatest(0, extract(epoch FROM ($3 - r.updated_at))) * $4) >= 1
				THEN least($2::float8, r.tokens + greatest(0, extract(epoch FROM ($3 - r.updated_at))) * $4) - 1
				ELSE least($2::float8, r.tokens + greatest(0, extract(epoch FROM ($3 - r.updated_at))) * $4) END,
			allowed = least($2::float8, r.tokens + greatest(0, extract(epoch FROM ($3 - r.updated_at))) * $4) >= 1,
			updated_at = greatest(r.updated_at, $3)
		RETURNING allowed, tokens`, key, burst, now.UTC(), rate).Scan(&allowed, &tokens)
	if err != nil {
		return false, 0, errs.Internal("postgres: rate limit", err)
	}
	if allowed {
		return true, 0, nil
	}
	return false, time.Duration((1 - tokens) / rate * float64(time.Second)), nil
}

// PurgeRateLimits drops buckets untouched since before: they are full again.
func (s *Store) PurgeRateLimits(ctx context.Context, before time.Time) (int64, error) {
	tag, err := s.db.Exec(ctx, `DELETE FROM rate_limits WHERE updated_at < $1`, before.UTC())
	if err != nil {
		return 0, errs.Internal("postgres: purge rate limits", err)
	}
	return tag.RowsAffected(), nil
}
