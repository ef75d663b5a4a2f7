package signin

import (
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/events"
	"github.com/dynamicauth/dynamicauth/users"
)

// Vouched is what an identity provider vouches for about its user besides
// the account itself (an external JWT's email and name claims). A sign-in
// carrying it writes it onto the user it finds or creates, in the sign-in's
// own transaction: an email another user of the environment has refuses the
// whole sign-in with ErrEmailOnOtherAccount and nothing is written.
type Vouched struct {
	// Email, when set, is the verified email credential to give the user
	// (kept if they have it already); it also becomes their profile email.
	Email *users.Credential
	// EmailEvent is the event written when Email is linked now.
	EmailEvent string
	// FirstName and LastName replace the user's when not empty.
	FirstName, LastName string
}

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

// emailCredential is the verified email credential of a provider-verified
// address.
func emailCredential(envID, email string, now time.Time) users.Credential {
	return users.Credential{ID: users.NewID(), EnvironmentID: envID, Format: users.FormatEmail, Address: email,
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
