package signin

import (
	"context"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/session"
	"github.com/dynamicauth/dynamicauth/users"
)

// Access decides who may sign in, link or refresh, and what the session
// carries (access.Service is one). It is asked before anything is written;
// subject is called only when the environment has rules to apply.
type Access interface {
	Decide(ctx context.Context, envID string, subject func(context.Context) (access.Subject, error)) (*access.Decision, error)
}

// Owners finds who owns a credential (users.Lookup's store is one).
type Owners interface {
	UserByCredential(ctx context.Context, envID, format, chain, address string) (*users.User, error)
	// EmailHolder is the user an operator gave the email (their profile's,
	// users.email_asserted), whom a code sign-in of the address joins when
	// no user has it as a credential; ErrUserNotFound when none.
	EmailHolder(ctx context.Context, envID, email string) (*users.User, error)
}

// decide applies the environment's access rules; without an Access
// everyone is admitted with nothing extra.
func (s *Service) decide(ctx context.Context, envID string, subject func(context.Context) (access.Subject, error)) (session.Grants, error) {
	if s.access == nil {
		return session.Grants{}, nil
	}
	d, err := s.access.Decide(ctx, envID, subject)
	if err != nil {
		return session.Grants{}, err
	}
	return session.Grants{Lists: d.Lists, Scopes: d.Scopes, Decided: true}, nil
}

// decideCredential decides on a credential being proved: its owner's
// other identities count too (every wallet of a user is checked).
func (s *Service) decideCredential(ctx context.Context, envID string, holder *users.User, c users.Credential,
	extra ...users.Credential) (session.Grants, error) {
	return s.decide(ctx, envID, func(ctx context.Context) (access.Subject, error) {
		u := holder
		if u == nil && s.owners != nil {
			owner, err := s.owners.UserByCredential(ctx, envID, c.Format, c.Chain, c.Address)
			if errs.Is(err, errs.KindNotFound) && c.Format == users.FormatEmail {
				// nobody's credential yet: the sign-in joins the user an
				// operator gave the address, if any, so it is about them
				owner, err = s.owners.EmailHolder(ctx, envID, c.Address)
			}
			if err != nil && !errs.Is(err, errs.KindNotFound) {
				return access.Subject{}, err
			}
			u = owner
		}
		return access.SubjectOf(u, append([]users.Credential{c}, extra...)...), nil
	})
}

// decideUser decides on a stored user (a refresh, a re-issue).
func (s *Service) decideUser(ctx context.Context, envID string, u *users.User) (session.Grants, error) {
	return s.decide(ctx, envID, func(context.Context) (access.Subject, error) { return access.SubjectOf(u), nil })
}
