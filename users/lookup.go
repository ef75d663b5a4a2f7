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
	if q.Page.Limit == 0 {
		q.Page.Limit = admDefaultLimit
	}
	if q.Page.Limit < 0 || q.Page.Limit > admMaxLimit || q.Page.Offset < 0 {
		return q, errs.Invalid("page: limit must be from 1 to %d and offset at least 0", admMaxLimit)
	}
	return q, nil
}

// FindByWallet returns the user of envID who owns the wallet with this
// address (EVM addresses in any letter case), or ErrAdminUserNotFound.
func (a *Admin) FindByWallet(ctx context.Context, p *tenant.Principal, envID, address string) (*User, error) {
	return a.findOne(ctx, p, envID, FilterWallet, address, func(u *User) bool {
		for _, c := range u.Credentials {
			if c.Format != FormatBlockchain {
				continue
			}
			if stored, _ := NormalizeAddress(c.Chain, strings.TrimSpace(address)); stored == c.Address {
				return true
			}
		}
		return false
	})
}

// FindByEmail returns the user of envID with this email (ignoring case),
// or ErrAdminUserNotFound.
func (a *Admin) FindByEmail(ctx context.Context, p *tenant.Principal, envID, email string) (*User, error) {
	return a.findOne(ctx, p, envID, FilterEmail, email, func(u *User) bool {
		return strings.EqualFold(u.Email, strings.TrimSpace(email))
	})
}

// FindByPhone returns the user of envID with this phone number, or
// ErrAdminUserNotFound.
func (a *Admin) FindByPhone(ctx context.Context, p *tenant.Principal, envID, phone string) (*User, error) {
	return a.findOne(ctx, p, envID, FilterPhoneNumber, phone, func(u *User) bool {
		return u.PhoneNumber == strings.TrimSpace(phone)
	})
}

// findOne lists the users the column filter matches and keeps the one
// match says is exact (text filters match substrings).
func (a *Admin) findOne(ctx context.Context, p *tenant.Principal, envID string, col FilterColumn, value string, match func(*User) bool) (*User, error) {
	if strings.TrimSpace(value) == "" {
		return nil, ErrAdminUserNotFound
	}
	f, err := admParseFilter(admUserColumns, string(col), value)
	if err != nil {
		return nil, err
	}
	list, err := a.ListUsers(ctx, p, envID, ListQuery{Filter: f, Page: Page{Limit: admMaxLimit}})
	if err != nil {
		return nil, err
	}
	for i := range list.Users {
		if match(&list.Users[i]) {
			return &list.Users[i], nil
		}
	}
	return nil, ErrAdminUserNotFound
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
