package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/metrics"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/users"
)

// openStoreFloor makes the floor's transaction the sign-in's own: the
// store's CompleteSignIn on a fresh database of the same backend and
// durability mode (a new SQLite file, a new PostgreSQL schema), writing
// what a wallet sign-in writes (consumed nonce; user and credential on a
// first sign-in; session; its events; the counters and analytics the
// schema keeps in the same transaction), first sign-ins by the even
// goroutines and repeats by the odd ones, as the HTTP load's workers. The
// nonce is minted as GET /nonce mints it. What it leaves out is what the
// server adds around that work: HTTP, JSON, the request's environment and
// settings, the access decision, the profile and the claims' contents.
// It returns the database, to meter; f.close closes and drops it.
func (f *floor) openStoreFloor(ctx context.Context, c config, serverDB string) (string, error) {
	db, drop := filepath.Join(filepath.Dir(serverDB), "floor-store.db"), func() {}
	if c.backend == "postgres" {
		var err error
		if db, drop, err = tempDatabase(ctx, c); err != nil {
			return "", err
		}
	}
	st, err := openStore(ctx, c, db, metrics.New())
	if err != nil {
		drop()
		return "", err
	}
	f.close = func() { st.Close(); drop() }
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	keys, err := secrets.New(master)
	if err != nil {
		return "", err
	}
	b, _, _, err := tenant.NewService(st, keys, nil).Init(ctx)
	if err != nil {
		return "", fmt.Errorf("floor environment: %w", err)
	}
	env, minter := b.EnvironmentID, signin.NewNonceMinter(nil)
	repeaters := make([]users.Credential, c.workers)
	for w := range repeaters {
		repeaters[w] = floorWallet(env)
	}
	f.commit = func(ctx context.Context, w int, _ int64) error {
		now := time.Now().UTC().Truncate(time.Millisecond)
		nonce, err := minter.Issue(env, now.Add(time.Hour))
		if err != nil {
			return err
		}
		cred := repeaters[w]
		if w%2 == 0 {
			cred = floorWallet(env)
		}
		cred.ID, cred.VerifiedAt, cred.CreatedAt = ids.New(), now, now
		_, _, err = st.CompleteSignIn(ctx, &signin.Write{EnvironmentID: env, Nonces: []string{nonce}, Now: now,
			Credential: cred, NewUserID: ids.New(),
			Events: []signin.Event{{Name: events.UserCreated, OnlyIfNew: true}, {Name: events.WalletLinked, OnlyIfNew: true},
				{Name: events.SessionCreated}},
			Session: &session.Session{ID: ids.New(), EnvironmentID: env, IPAddress: "127.0.0.1", UserAgent: "Go-http-client/1.1",
				CreatedAt: now, ExpiresAt: now.Add(2 * time.Hour), RefreshExpiresAt: now.Add(30 * 24 * time.Hour)}})
		return err
	}
	return db, nil
}

// floorWallet is a new EVM wallet credential of env, as a wallet sign-in
// makes it.
func floorWallet(env string) users.Credential {
	raw := make([]byte, 20)
	_, _ = rand.Read(raw)
	stored, display := users.NormalizeAddress(users.ChainEIP155, "0x"+hex.EncodeToString(raw))
	return users.Credential{EnvironmentID: env, Format: users.FormatBlockchain, Chain: users.ChainEIP155, Address: stored,
		PublicIdentifier: display, WalletName: "metamask", WalletProvider: "browserExtension", SignInEnabled: true}
}
