package signin

import (
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/users"
)

// Vouched is what an identity provider vouches for about its user besides
// the account itself (an external JWT's email and name claims, a social
// provider's verified email). A sign-in carrying it writes it in the
// sign-in's own transaction, by its Rule.
type Vouched struct {
	// Email, when set, is the verified email credential to give the user
	// (kept if they have it already); it also becomes their profile email.
	Email *users.Credential
	// EmailEvent is the event written when Email is linked now.
	EmailEvent string
	// FirstName and LastName replace the user's when not empty.
	FirstName, LastName string
	// Rule says what an email another user of the environment has does.
	Rule EmailRule
	// JoinEvent is the event written when the credential joins the
	// email's owner (EmailJoinsOwner).
	JoinEvent string
}

// EmailRule is what a sign-in does with a vouched email that another user
// of the environment has. Which rule a flow follows is decided here; the
// store carries it out inside the sign-in's transaction.
type EmailRule int

const (
	// EmailRefused: the email goes onto the user found or created; one
	// another user has (as a credential, or as a profile email an
	// operator gave them) refuses the whole sign-in with
	// ErrEmailOnOtherAccount and nothing is written; one another user
	// only claimed (typed into their profile) is cleared from it, as a
	// code's proof clears it (NewUserProfile). External JWT: the
	// application's own user is who signs in, never someone else.
	EmailRefused EmailRule = iota
	// EmailJoinsOwner: a credential signing in for the first time joins
	// the user holding the email as a verified credential (linked to them,
	// with JoinEvent; the sign-in is theirs); with no such user, the user
	// created gets the email credential and profile email (another user's
	// unproved claim of it cleared), or neither when an operator gave
	// another user the address as profile email. A
	// known credential signs its user in and the email is left alone (the
	// account's user was settled at its first sign-in). Social sign-in:
	// the provider proved the address, as the owner's verification did.
	EmailJoinsOwner
)

// vouchedEmail is the email an identity provider vouches for: "" unless
// the provider says the address is verified. An unverified email is never
// linked or used to find a user: that would hand the account to whoever
// typed the address at the provider.
func vouchedEmail(email string, verified bool) string {
	if !verified {
		return ""
	}
	return email
}

// socialVouched is what a social sign-in carries: the provider-verified
// email, joining its owner; nil without one (or with one the profile
// would refuse).
func socialVouched(envID, email string, verified bool, now time.Time) *Vouched {
	e, err := users.CheckStandard("email", vouchedEmail(email, verified))
	if err != nil || e == "" {
		return nil
	}
	c := emailCredential(envID, strings.ToLower(e), now)
	return &Vouched{Email: &c, EmailEvent: events.EmailLinked, Rule: EmailJoinsOwner, JoinEvent: events.SocialLinked}
}

// emailCredential is the verified email credential of a provider-verified
// address.
func emailCredential(envID, email string, now time.Time) users.Credential {
	return users.Credential{ID: ids.New(), EnvironmentID: envID, Format: users.FormatEmail, Address: email,
		PublicIdentifier: email, SignInEnabled: true, VerifiedAt: now, CreatedAt: now}
}

// vouchedProfile is what an identity's claims put on its user: the email
// only when verified and well-formed, the names when the profile accepts
// them (a name it would refuse is left out rather than failing the
// sign-in). given_name/family_name win over a split of name.
func vouchedProfile(envID, email string, verified bool, name, given, family string, now time.Time) *Vouched {
	v := &Vouched{}
	if e, err := users.CheckStandard("email", vouchedEmail(email, verified)); err == nil && e != "" {
		c := emailCredential(envID, strings.ToLower(e), now)
		v.Email, v.EmailEvent = &c, events.EmailLinked
	}
	if given == "" && family == "" {
		given, family, _ = strings.Cut(strings.TrimSpace(name), " ")
	}
	v.FirstName, _ = users.CheckStandard("firstName", given)
	v.LastName, _ = users.CheckStandard("lastName", family)
	if v.Email == nil && v.FirstName == "" && v.LastName == "" {
		return nil
	}
	return v
}
