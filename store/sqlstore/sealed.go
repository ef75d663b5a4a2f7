package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/dynamicauth/dynamicauth/secrets"
)

// secrets.SealedStore: every column sealed with the master secret's box,
// for a reseal under a new master secret.

var _ secrets.SealedStore = (*Store)(nil)

// sealedColumn is where a kind of sealed value is kept.
type sealedColumn struct {
	table   string // table, or table and joins (the updated table's alias first)
	alias   string // the updated table's alias in table
	key     string // the row's key column (unprefixed)
	value   string // the sealed column (unprefixed)
	context string // expressions after key and value in the SELECT, as secrets.Sealed.Context
	// text: the column is a document (TEXT, or jsonb in PostgreSQL),
	// written back as a string.
	text bool
}

var sealedColumns = map[string]sealedColumn{
	secrets.KindSigningKey:     {table: "signing_keys s", alias: "s", key: "id", value: "private_sealed"},
	secrets.KindSSOSecret:      {table: "sso_providers s", alias: "s", key: "id", value: "client_secret_sealed"},
	secrets.KindProviderSecret: {table: "social_providers s", alias: "s", key: "id", value: "client_secret_sealed"},
	secrets.KindOAuthAccess: {table: "oauth_tokens s JOIN verified_credentials c ON c.id = s.credential_id", alias: "s",
		key: "credential_id", value: "access_token", context: "c.environment_id, c.chain, c.address"},
	secrets.KindOAuthRefresh: {table: "oauth_tokens s JOIN verified_credentials c ON c.id = s.credential_id", alias: "s",
		key: "credential_id", value: "refresh_token", context: "c.environment_id, c.chain, c.address"},
	secrets.KindTOTPSeed:            {table: "mfa_devices s", alias: "s", key: "id", value: "secret", context: "s.user_id"},
	secrets.KindEnvironmentSettings: {table: "environments s", alias: "s", key: "id", value: "settings", text: true},
	secrets.KindWebhookSecret:       {table: "webhooks s", alias: "s", key: "id", value: "secret", text: true},
	secrets.KindTestAccountCode:     {table: "test_accounts s", alias: "s", key: "environment_id", value: "code_sealed"},
}

func sealedColumnOf(kind string) (sealedColumn, error) {
	c, ok := sealedColumns[kind]
	if !ok {
		return c, fmt.Errorf("sealed values: unknown kind %q", kind)
	}
	return c, nil
}

// SealedValues implements secrets.SealedStore: a walk of the key's index.
func (s *Store) SealedValues(ctx context.Context, kind, after string, limit int) ([]secrets.Sealed, error) {
	c, err := sealedColumnOf(kind)
	if err != nil {
		return nil, err
	}
	key, value := c.alias+"."+c.key, c.alias+"."+c.value
	cols, nctx := key+", "+value, 0
	if c.context != "" {
		cols, nctx = cols+", "+c.context, strings.Count(c.context, ",")+1
	}
	empty := ` AND length(` + value + `) > 0`
	if c.text {
		empty = ""
	}
	return list(ctx, s, s.db.Reader(), "sealed values", func(r Row) (secrets.Sealed, error) {
		v := secrets.Sealed{Context: make([]string, nctx)}
		dest := []any{&v.Key, &v.Value}
		for i := range v.Context {
			dest = append(dest, &v.Context[i])
		}
		if c.text {
			var doc string
			dest[1] = &doc
			err := r.Scan(dest...)
			v.Value = []byte(doc)
			return v, err
		}
		return v, r.Scan(dest...)
	}, `SELECT `+cols+` FROM `+c.table+` WHERE `+key+` > $1 AND `+value+` IS NOT NULL`+empty+`
		ORDER BY `+key+` LIMIT $2`, after, limit)
}

// ReplaceSealed implements secrets.SealedStore.
func (s *Store) ReplaceSealed(ctx context.Context, kind, key string, old, value []byte) (bool, error) {
	c, err := sealedColumnOf(kind)
	if err != nil {
		return false, err
	}
	table, _, _ := strings.Cut(c.table, " ")
	var oldArg, newArg any = old, value
	if c.text {
		oldArg, newArg = string(old), string(value)
	}
	n, err := s.db.Exec(ctx, `UPDATE `+table+` SET `+c.value+` = $1 WHERE `+c.key+` = $2 AND `+c.value+` = $3`,
		newArg, key, oldArg)
	return n == 1, s.fail("replace sealed value", nil, err)
}
