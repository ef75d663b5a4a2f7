package dynamicauth

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/mfa"
	"github.com/dynamicauth/dynamicauth/passkey"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/users"
)

// ChangeKind names a committed change an AfterChange hook hears about.
type ChangeKind string

// The changes reported to Hooks.AfterChange.
const (
	UserCreated        ChangeKind = "user.created"
	UserUpdated        ChangeKind = "user.updated"
	UserDeleted        ChangeKind = "user.deleted"    // or merged into another user
	SessionCreated     ChangeKind = "session.created" // a sign-in, after its commit
	SessionRevoked     ChangeKind = "session.revoked"
	CredentialLinked   ChangeKind = "credential.linked"
	CredentialUnlinked ChangeKind = "credential.unlinked"
	// EnvironmentDeleted: the environment is gone with every user,
	// session and credential in it (its project was deleted, in one
	// statement); only EnvironmentID is set. Its users are not reported
	// one by one.
	EnvironmentDeleted ChangeKind = "environment.deleted"
	// MFAChanged: the user's second factors changed (a TOTP device
	// confirmed, made the default or not, deleted; recovery codes made or
	// acknowledged; an operator's reset), with User after it (its
	// MfaBackupCodeAcknowledgement follows the codes). A factor passed is
	// no change. Not reported at all: a passkey renamed (its name is on
	// the passkey list only, not on the user or its credential) and a
	// registered device approved (revoking one reports the sessions it
	// ended, SessionRevoked).
	MFAChanged ChangeKind = "mfa.changed"
)

// Change is one committed change. Ids that do not apply are empty.
type Change struct {
	Kind          ChangeKind
	EnvironmentID string
	UserID        string
	// SessionID is the revoked session; empty with UserID set when every
	// session of the user was revoked.
	SessionID    string
	CredentialID string
	// User is the user after the change (before it, for UserDeleted),
	// when known.
	User *users.User
}

// notifier tells Hooks.AfterChange about committed writes. It wraps the
// store, so every path (HTTP, the Go API, sign-in) reports the same way,
// and it calls the hook only after the store method returned, that is
// after the commit: a failing hook is logged and changes nothing.
type notifier struct {
	store.Store
	hook func(ctx context.Context, c Change) error
	log  *slog.Logger
}

func (n *notifier) notify(ctx context.Context, c Change) {
	defer func() {
		if r := recover(); r != nil {
			n.log.ErrorContext(ctx, "AfterChange hook panicked", "change", string(c.Kind), "user", c.UserID, "panic", fmt.Sprint(r))
		}
	}()
	if err := n.hook(ctx, c); err != nil {
		n.log.WarnContext(ctx, "AfterChange hook failed; the change stays committed", "change", string(c.Kind), "user", c.UserID, "err", err)
	}
}

func (n *notifier) userChange(ctx context.Context, k ChangeKind, u *users.User) {
	n.notify(ctx, Change{Kind: k, EnvironmentID: u.EnvironmentID, UserID: u.ID, User: u})
}

// claimCleared reports the user a proved email was cleared from (their
// unproved claim of it, signin.NewUserProfile), before the prover's
// changes: an application mirroring users, the email unique there too,
// frees the address before it stores it again.
func (n *notifier) claimCleared(ctx context.Context, envID, userID string) {
	if userID == "" {
		return
	}
	c := Change{Kind: UserUpdated, EnvironmentID: envID, UserID: userID}
	if u, err := n.Store.GetUser(ctx, userID); err == nil {
		c.User = u
	}
	n.notify(ctx, c)
}

func (n *notifier) CompleteSignIn(ctx context.Context, w *signin.Write) (*users.User, bool, error) {
	u, created, err := n.Store.CompleteSignIn(ctx, w)
	if err != nil {
		return u, created, err
	}
	n.claimCleared(ctx, u.EnvironmentID, w.ClaimClearedFrom)
	if created {
		n.userChange(ctx, UserCreated, u)
	}
	// A new user's credentials, or one joining an existing user (the
	// email's owner or holder), or a vouched email linked now.
	for _, id := range w.Linked {
		n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: u.EnvironmentID, UserID: u.ID, CredentialID: id, User: u})
	}
	if w.ProfileWritten && !created {
		n.userChange(ctx, UserUpdated, u)
	}
	n.notify(ctx, Change{Kind: SessionCreated, EnvironmentID: u.EnvironmentID, UserID: u.ID, SessionID: w.Session.ID,
		CredentialID: w.Session.SigninCredentialID, User: u})
	return u, created, nil
}

// LinkCredential reports a transferred credential as unlinked from the
// user it was taken from, then linked to the user who took it, who is
// updated too when the link set their profile's email or phone number.
func (n *notifier) LinkCredential(ctx context.Context, w *signin.LinkWrite) (*users.User, error) {
	u, err := n.Store.LinkCredential(ctx, w)
	if err != nil {
		return u, err
	}
	n.claimCleared(ctx, u.EnvironmentID, w.ClaimClearedFrom)
	cred := w.Credential.ID
	for _, c := range u.Credentials { // the store keeps an existing credential's id
		if c.Format == w.Credential.Format && c.Chain == w.Credential.Chain && c.Address == w.Credential.Address {
			cred = c.ID
		}
	}
	if from := w.TransferredFrom; from != "" {
		c := Change{Kind: CredentialUnlinked, EnvironmentID: u.EnvironmentID, UserID: from, CredentialID: cred}
		if prev, err := n.Store.GetUser(ctx, from); err == nil {
			c.User = prev
		}
		n.notify(ctx, c)
	}
	n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: u.EnvironmentID, UserID: u.ID, CredentialID: cred, User: u})
	if w.Profile != nil { // a verified email or phone number is the user's now
		n.userChange(ctx, UserUpdated, u)
	}
	return u, nil
}

// SelectCredential reports the user, whose primary wallet it changed.
func (n *notifier) SelectCredential(ctx context.Context, userID, credentialID string, now time.Time) (*users.User, error) {
	u, err := n.Store.SelectCredential(ctx, userID, credentialID, now)
	if err == nil {
		n.userChange(ctx, UserUpdated, u)
	}
	return u, err
}

func (n *notifier) UnlinkCredential(ctx context.Context, userID, credentialID string, now time.Time) (*users.User, error) {
	u, err := n.Store.UnlinkCredential(ctx, userID, credentialID, now)
	if err == nil {
		n.notify(ctx, Change{Kind: CredentialUnlinked, EnvironmentID: u.EnvironmentID, UserID: u.ID, CredentialID: credentialID, User: u})
	}
	return u, err
}

// MergeUsers reports the merged-away user as deleted and its credentials
// as linked to the user who stays. The store tells who that user was only
// to Apply, inside the transaction, so Apply is wrapped to learn it (the
// last call wins: a retried transaction calls it again).
func (n *notifier) MergeUsers(ctx context.Context, w *signin.MergeWrite) (*users.User, error) {
	var from *users.User
	if apply := w.Apply; apply != nil {
		w.Apply = func(into, f *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
			from = f
			return apply(into, f, fields)
		}
		defer func() { w.Apply = apply }()
	}
	u, err := n.Store.MergeUsers(ctx, w)
	if err != nil {
		return u, err
	}
	if from != nil {
		for _, c := range from.Credentials {
			n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: u.EnvironmentID, UserID: u.ID, CredentialID: c.ID, User: u})
		}
	}
	n.userChange(ctx, UserUpdated, u)
	if from != nil {
		n.userChange(ctx, UserDeleted, from)
	}
	return u, nil
}

func (n *notifier) SaveUser(ctx context.Context, w *users.SaveUser) (*users.User, bool, error) {
	u, created, err := n.Store.SaveUser(ctx, w)
	if err == nil {
		n.saved(ctx, w, u, created)
	}
	return u, created, err
}

func (n *notifier) SaveUsers(ctx context.Context, batch []*users.SaveUser) ([]users.SaveOutcome, error) {
	out, err := n.Store.SaveUsers(ctx, batch)
	for i := range out {
		if o := &out[i]; o.Err == nil && o.User != nil {
			n.saved(ctx, batch[i], o.User, o.Created)
		}
	}
	return out, err
}

// saved reports a user an admin save or import created or updated, and
// the credentials it gave them.
func (n *notifier) saved(ctx context.Context, w *users.SaveUser, u *users.User, created bool) {
	if created {
		n.userChange(ctx, UserCreated, u)
	} else {
		n.userChange(ctx, UserUpdated, u)
	}
	for _, id := range w.Linked {
		n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: u.EnvironmentID, UserID: u.ID, CredentialID: id, User: u})
	}
}

func (n *notifier) UpdateUser(ctx context.Context, id string, edit func(*users.User) error, now time.Time) (*users.User, error) {
	u, err := n.Store.UpdateUser(ctx, id, edit, now)
	if err == nil {
		n.userChange(ctx, UserUpdated, u)
	}
	return u, err
}

// UpdateProfile also reports MFAChanged when the change set the recovery
// codes' acknowledgement, as SetBackupCodeAck does.
func (n *notifier) UpdateProfile(ctx context.Context, userID string, change func(*users.User, []users.CustomField) (*users.ProfileChange, error)) (*users.User, error) {
	acked := false
	u, err := n.Store.UpdateProfile(ctx, userID, func(cur *users.User, fs []users.CustomField) (*users.ProfileChange, error) {
		ch, err := change(cur, fs)
		acked = err == nil && ch.BackupCodeAck != nil
		return ch, err
	})
	if err != nil {
		return u, err
	}
	n.userChange(ctx, UserUpdated, u)
	if acked {
		n.notify(ctx, Change{Kind: MFAChanged, EnvironmentID: u.EnvironmentID, UserID: u.ID, User: u})
	}
	return u, nil
}

// DeleteUser reads the user first, so the hook learns who was deleted.
func (n *notifier) DeleteUser(ctx context.Context, id string, at time.Time) error {
	before, _ := n.Store.GetUser(ctx, id)
	if err := n.Store.DeleteUser(ctx, id, at); err != nil {
		return err
	}
	c := Change{Kind: UserDeleted, UserID: id, User: before}
	if before != nil {
		c.EnvironmentID = before.EnvironmentID
	}
	n.notify(ctx, c)
	return nil
}

func (n *notifier) RevokeSession(ctx context.Context, id string, at time.Time, event string) error {
	if err := n.Store.RevokeSession(ctx, id, at, event); err != nil {
		return err
	}
	c := Change{Kind: SessionRevoked, SessionID: id}
	if s, err := n.Store.GetUserSession(ctx, id); err == nil {
		c.EnvironmentID, c.UserID = s.EnvironmentID, s.UserID
	}
	n.notify(ctx, c)
	return nil
}

func (n *notifier) RevokeUserSessions(ctx context.Context, userID string, at time.Time, event string) error {
	if err := n.Store.RevokeUserSessions(ctx, userID, at, event); err != nil {
		return err
	}
	c := Change{Kind: SessionRevoked, UserID: userID}
	if u, err := n.Store.GetUser(ctx, userID); err == nil {
		c.EnvironmentID, c.User = u.EnvironmentID, u
	}
	n.notify(ctx, c)
	return nil
}

func (n *notifier) AddCredential(ctx context.Context, c *users.Credential, now time.Time) error {
	if err := n.Store.AddCredential(ctx, c, now); err != nil {
		return err
	}
	n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: c.EnvironmentID, UserID: c.UserID, CredentialID: c.ID})
	return nil
}

// DeleteCredential reads the credential first, for its user.
func (n *notifier) DeleteCredential(ctx context.Context, id string, check func(*users.User) error, now time.Time) error {
	before, _ := n.Store.GetCredential(ctx, id)
	if err := n.Store.DeleteCredential(ctx, id, check, now); err != nil {
		return err
	}
	c := Change{Kind: CredentialUnlinked, CredentialID: id}
	if before != nil {
		c.EnvironmentID, c.UserID = before.EnvironmentID, before.UserID
	}
	n.notify(ctx, c)
	return nil
}

// RevokeDevice reports the sessions revoked with the device.
func (n *notifier) RevokeDevice(ctx context.Context, envID, userID, deviceID string, now time.Time) ([]string, error) {
	revoked, err := n.Store.RevokeDevice(ctx, envID, userID, deviceID, now)
	if err != nil {
		return revoked, err
	}
	for _, id := range revoked {
		n.notify(ctx, Change{Kind: SessionRevoked, EnvironmentID: envID, UserID: userID, SessionID: id})
	}
	return revoked, nil
}

// RevokeAllDevices reports every session of the user revoked.
func (n *notifier) RevokeAllDevices(ctx context.Context, envID, userID string, now time.Time) error {
	if err := n.Store.RevokeAllDevices(ctx, envID, userID, now); err != nil {
		return err
	}
	c := Change{Kind: SessionRevoked, EnvironmentID: envID, UserID: userID}
	if u, err := n.Store.GetUser(ctx, userID); err == nil {
		c.User = u
	}
	n.notify(ctx, c)
	return nil
}

// InsertPasskey reports the passkey's credential as linked.
func (n *notifier) InsertPasskey(ctx context.Context, p *passkey.Passkey, vc *users.Credential, max int, proof *mfa.TokenUse) error {
	if err := n.Store.InsertPasskey(ctx, p, vc, max, proof); err != nil {
		return err
	}
	n.notify(ctx, Change{Kind: CredentialLinked, EnvironmentID: p.EnvironmentID, UserID: p.UserID, CredentialID: vc.ID})
	return nil
}

// DeletePasskey reports the passkey's credential as unlinked.
// A passkey not found is left to the store to refuse, after the proof
// it spends (a bad proof answers first).
func (n *notifier) DeletePasskey(ctx context.Context, userID, id string, now time.Time, proof *mfa.TokenUse) error {
	p, err := n.Store.GetPasskey(ctx, userID, id)
	if err != nil && !errs.Is(err, errs.KindNotFound) {
		return err
	}
	if err := n.Store.DeletePasskey(ctx, userID, id, now, proof); err != nil || p == nil {
		return err
	}
	n.notify(ctx, Change{Kind: CredentialUnlinked, EnvironmentID: p.EnvironmentID, UserID: userID, CredentialID: p.VerifiedCredentialID})
	return nil
}

// DeleteProject reports each environment of the project deleted. They
// are read first: a project's environments are made with it and never
// added later, so the list is the set the delete's cascade removes.
func (n *notifier) DeleteProject(ctx context.Context, id string) error {
	envs, err := n.Store.ListEnvironments(ctx, id)
	if err != nil {
		return err
	}
	if err := n.Store.DeleteProject(ctx, id); err != nil {
		return err
	}
	for _, e := range envs {
		n.notify(ctx, Change{Kind: EnvironmentDeleted, EnvironmentID: e.ID})
	}
	return nil
}
