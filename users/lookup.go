package users

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// withDefaults makes the zero ListQuery valid for Go callers, who build
// queries without ParseOrder and ParsePage: newest first, the default
// page. A set field is checked as the HTTP query's would be.
func (q ListQuery) withDefaults(orderFields []string) (ListQuery, error) {
	if q.Order.Field == "" {
		q.Order = Order{Field: "createdAt", Desc: true}
	} else if !slices.Contains(orderFields, q.Order.Field) {
		return q, errs.Invalid("order: %q is not one of %s", admTruncate(q.Order.Field, 64), strings.Join(orderFields, ", "))
	}
	var err error
	q.Page, err = q.Page.withDefaults()
	return q, err
}

// withDefaults makes the zero Page the first page of the default size.
func (p Page) withDefaults() (Page, error) {
	if p.Limit == 0 {
		p.Limit = admDefaultLimit
	}
	if p.Limit < 0 || p.Limit > admMaxLimit || p.Offset < 0 {
		return p, errs.Invalid("page: limit must be from 1 to %d and offset at least 0", admMaxLimit)
	}
	return p, nil
}

// UserFinder finds a user of an environment by an exact key, each
// through an index, or fails with ErrUserNotFound.
type UserFinder interface {
	// UserByCredential returns the owner of the credential with this
	// format, chain and address (in stored form).
	UserByCredential(ctx context.Context, envID, format, chain, address string) (*User, error)
	// UserByEmail returns the user with this email, ignoring case.
	UserByEmail(ctx context.Context, envID, email string) (*User, error)
	// UserByPhone returns the first user (by creation) with this phone
	// number, as stored.
	UserByPhone(ctx context.Context, envID, phone string) (*User, error)
}

// FindByWallet returns the user of envID who owns the wallet with this
// address (EVM addresses in any letter case), or ErrAdminUserNotFound.
func (a *Admin) FindByWallet(ctx context.Context, p *tenant.Principal, envID, address string) (*User, error) {
	address = strings.TrimSpace(address)
	return a.find(ctx, p, envID, address, func() (*User, error) {
		for _, ns := range []string{ChainEIP155, ChainSolana} {
			stored, _ := NormalizeAddress(ns, address)
			u, err := a.store.UserByCredential(ctx, envID, FormatBlockchain, ns, stored)
			if !errs.Is(err, errs.KindNotFound) {
				return u, err
			}
		}
		return nil, ErrUserNotFound
	})
}

// FindByEmail returns the user of envID with this email (ignoring case),
// or ErrAdminUserNotFound.
func (a *Admin) FindByEmail(ctx context.Context, p *tenant.Principal, envID, email string) (*User, error) {
	email = strings.TrimSpace(email)
	return a.find(ctx, p, envID, email, func() (*User, error) { return a.store.UserByEmail(ctx, envID, email) })
}

// FindByPhone returns the user of envID with this phone number (the
// first one, if several share it), or ErrAdminUserNotFound.
func (a *Admin) FindByPhone(ctx context.Context, p *tenant.Principal, envID, phone string) (*User, error) {
	phone = strings.TrimSpace(phone)
	return a.find(ctx, p, envID, phone, func() (*User, error) { return a.store.UserByPhone(ctx, envID, phone) })
}

// find checks the principal's reach, then runs one indexed lookup.
func (a *Admin) find(ctx context.Context, p *tenant.Principal, envID, key string, lookup func() (*User, error)) (*User, error) {
	if _, err := a.environment(ctx, p, envID, tenant.Read); err != nil {
		return nil, err
	}
	if key == "" || len(key) > admMaxText {
		return nil, ErrAdminUserNotFound
	}
	u, err := lookup()
	if errs.Is(err, errs.KindNotFound) {
		return nil, ErrAdminUserNotFound
	}
	return u, err
}

// UserSessions lists a user's sessions, newest first; envID empty: any
// environment the principal reaches.
func (a *Admin) UserSessions(ctx context.Context, p *tenant.Principal, envID, userID string) ([]UserSession, error) {
	_, sessions, err := a.GetUser(ctx, p, envID, userID)
	return sessions, err
}

// CheckMetadata compacts user metadata and checks it is a JSON object
// within the size limit.
func CheckMetadata(raw json.RawMessage) (json.RawMessage, error) { return admMetadata("", raw) }
