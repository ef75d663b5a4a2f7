package users

// The admin Sessions, Wallets and Visits operations.

import (
	"context"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// session loads a session the principal reaches.
func (a *Admin) session(ctx context.Context, p *tenant.Principal, id string, acc tenant.Access) (*UserSession, error) {
	s, err := a.store.GetUserSession(ctx, id)
	if errs.Is(err, errs.KindNotFound) {
		return nil, ErrAdminSessionNotFound
	}
	if err != nil {
		return nil, err
	}
	if err := tenant.ReachRecord(ctx, a.store, p, s.EnvironmentID, acc.Users(), ErrAdminSessionNotFound); err != nil {
		return nil, err
	}
	return s, nil
}

// GetSession returns a user's session.
func (a *Admin) GetSession(ctx context.Context, p *tenant.Principal, userID, sessionID string) (*UserSession, error) {
	s, err := a.session(ctx, p, sessionID, tenant.Read)
	if err != nil {
		return nil, err
	}
	if s.UserID != userID {
		return nil, ErrAdminSessionNotFound
	}
	return s, nil
}

// RevokeSession ends one session at once (idempotent).
func (a *Admin) RevokeSession(ctx context.Context, p *tenant.Principal, sessionID string) (*UserSession, error) {
	if _, err := a.session(ctx, p, sessionID, tenant.Write); err != nil {
		return nil, err
	}
	if err := a.store.RevokeSession(ctx, sessionID, a.now(), AdminEventSessionRevoked); err != nil {
		return nil, err
	}
	return a.store.GetUserSession(ctx, sessionID)
}

// ListWallets pages through an environment's wallets.
func (a *Admin) ListWallets(ctx context.Context, p *tenant.Principal, envID string, page Page) ([]Credential, int, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, 0, err
	}
	page, err := page.withDefaults()
	if err != nil {
		return nil, 0, err
	}
	return a.store.ListWallets(ctx, envID, page)
}

// UserWallets returns a user's wallets; envID empty: legacy route.
func (a *Admin) UserWallets(ctx context.Context, p *tenant.Principal, envID, userID string) ([]Credential, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Read)
	if err != nil {
		return nil, err
	}
	return u.WalletCredentials(), nil
}

// wallet loads a wallet of envID (any reachable one when empty).
func (a *Admin) wallet(ctx context.Context, p *tenant.Principal, envID, walletID string, acc tenant.Access) (*Credential, error) {
	if envID != "" {
		if _, err := a.environment(ctx, p, envID, acc); err != nil {
			return nil, err
		}
	}
	c, err := a.store.GetCredential(ctx, walletID)
	if errs.Is(err, errs.KindNotFound) || err == nil && (c.Format != FormatBlockchain || envID != "" && c.EnvironmentID != envID) {
		return nil, ErrAdminWalletNotFound
	}
	if err != nil {
		return nil, err
	}
	if envID == "" {
		if err := tenant.ReachRecord(ctx, a.store, p, c.EnvironmentID, acc.Users(), ErrAdminWalletNotFound); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// GetWallet returns one wallet; envID empty: legacy route.
func (a *Admin) GetWallet(ctx context.Context, p *tenant.Principal, envID, walletID string) (*Credential, error) {
	return a.wallet(ctx, p, envID, walletID, tenant.Read)
}

// CreateWallet links a wallet to a user; a wallet that already belongs to
// anyone in the environment is refused.
func (a *Admin) CreateWallet(ctx context.Context, p *tenant.Principal, envID, userID string, w NewWallet) (*Credential, error) {
	u, err := a.user(ctx, p, envID, userID, tenant.Write)
	if err != nil {
		return nil, err
	}
	now := a.now()
	c, err := w.credential("", u.EnvironmentID, u.ID, now)
	if err != nil {
		return nil, err
	}
	if err := a.store.AddCredential(ctx, &c, now); err != nil {
		return nil, err
	}
	return &c, nil
}

// DeleteWallet unlinks a wallet, unless it is its user's last sign-in
// credential.
func (a *Admin) DeleteWallet(ctx context.Context, p *tenant.Principal, envID, walletID string) error {
	if _, err := a.wallet(ctx, p, envID, walletID, tenant.Write); err != nil {
		return err
	}
	return a.store.DeleteCredential(ctx, walletID, func(u *User) error {
		return CheckCredentialDeletion(u, walletID)
	}, a.now())
}

// EmbeddedWallets answers the embedded-wallet routes: reachable, but no
// provider is configured.
func (a *Admin) EmbeddedWallets(ctx context.Context, p *tenant.Principal, envID string, acc tenant.Access) error {
	if _, err := a.environment(ctx, p, envID, acc); err != nil {
		return err
	}
	return ErrAdminNoEmbeddedWallet
}

// ListVisitors lists an environment's wallet connections.
func (a *Admin) ListVisitors(ctx context.Context, p *tenant.Principal, envID string, q ListQuery) ([]Visitor, int, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, 0, err
	}
	q, err := q.withDefaults(VisitorOrderFields)
	if err != nil {
		return nil, 0, err
	}
	vs, total, err := a.store.ListVisitors(ctx, envID, q)
	if err != nil {
		return nil, 0, err
	}
	for i := range vs {
		if ns, ok := ChainNamespace(vs[i].Chain); ok {
			_, vs[i].Address = NormalizeAddress(ns, vs[i].Address)
		}
	}
	return vs, total, nil
}
