package signin

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/users"
)

// Merging accounts.
//
// Linking a wallet that belongs to another user who can also sign in
// some other way would split that account, so instead of the transfer
// confirmation (reassign_wallet_confirm) the link answers 422
// merge_accounts_confirmation with the conflicting profile fields and
// records a pending merge: (caller, other user, the other user's
// credential that was proved, the proof's nonces), for PendingMergeTTL.
// The pending merge is recorded only after the signed message passed every
// check (signature, domain, freshness) and, in the same transaction, its
// nonces were found live; they stay unused, as for the other refusals of a
// link, and POST /verify/merge uses them up in its transaction, so one
// signed message proves one merge at most (and not a merge after it served
// for a transfer or a sign-in). POST /verify/merge (no signature in its
// body) then needs that live pending merge of the caller and merges in one
// transaction; POST /users/merge runs it too when it has no conflicts, and
// otherwise offers and runs a merge with another user who verified the
// same email address.

// PendingMergeTTL is how long a merge offer waits for /verify/merge.
const PendingMergeTTL = 10 * time.Minute

// Merge error codes (UnprocessableEntityErrorCode).
const (
	CodeMergeConfirmation = "merge_accounts_confirmation"
	CodeMergeInvalid      = users.CodeMergeInvalid
)

// Kinds of proof a pending merge rests on.
const (
	MergeByWallet = "wallet"
	MergeByEmail  = "email"
)

// MergeOffer is a merge to propose to the signed-in user.
type MergeOffer struct {
	EnvironmentID string
	UserID        string // the signed-in user, whose account stays
	Kind          string // MergeByWallet or MergeByEmail
	// Credential is the wallet the user proved (format, chain, address),
	// for MergeByWallet.
	Credential users.Credential
	// Nonces of the proof: they must be live; the merge uses them up.
	Nonces    []string
	Now       time.Time
	ExpiresAt time.Time
}

// MergeWrite is one confirmed merge.
type MergeWrite struct {
	EnvironmentID string
	UserID        string // the signed-in user, whose account stays
	// FromUserID is the user the pending merge named when the domain
	// checked it (refuseProtectedMerge): a pending merge that names
	// another user by the time it runs (the caller's concurrent link
	// replaced it) is not run.
	FromUserID string
	Nonces     []string // extra nonces to use up (a device proof)
	Now        time.Time
	// Apply computes the staying user's profile from both users and the
	// environment's custom fields, inside the store's transaction.
	Apply func(into, from *users.User, fields []users.CustomField) (*users.ProfileChange, error)
}

// MergeStore is the persistence of account merges.
type MergeStore interface {
	// OfferMerge finds the user to merge into w.UserID and records the
	// pending merge (replacing the user's previous one), in one
	// transaction. For MergeByWallet that is the owner of the credential
	// when it is another user with another credential to sign in with
	// (the proof's nonces must be live; they are not used); for
	// MergeByEmail another user with a verified email credential of the
	// same address (ignoring case) as one of w.UserID's. With no such user
	// it writes nothing and returns nil.
	OfferMerge(ctx context.Context, w *MergeOffer) (*users.User, error)
	// MergeUsers runs the caller's live pending merge of w.FromUserID in
	// one transaction: it removes the pending merge, uses up its nonces
	// and checks its proof still holds, moves every credential of the
	// other user to the caller (recording previous_users; a passkey keeps
	// the user handle its authenticator answers with), deletes the other
	// user (their sessions end), stores the profile Apply returns (unique
	// values kept unique; the email kept stays an operator's or a claim as
	// it was on its user) and records user.merged. Without a live pending
	// merge, or when its proof no longer holds, it fails with
	// merge_accounts_invalid; when the pending merge names another user
	// than w.FromUserID, too (and keeps it).
	MergeUsers(ctx context.Context, w *MergeWrite) (*users.User, error)
	// PendingMergeFrom names the user the caller's live pending merge in
	// the environment would merge; "" when there is none.
	PendingMergeFrom(ctx context.Context, envID, userID string, now time.Time) (string, error)
	ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error)
}

// MergeConflicts is payload.mergeConflicts of merge_accounts_confirmation.
type MergeConflicts struct {
	FromUser  *users.Profile
	Conflicts []MergeConflict
}

// The merge calculation lives in users; these are its types.
type (
	MergeConflict   = users.MergeConflict
	MergeValue      = users.MergeValue
	MergeResolution = users.MergeResolution
)

// MergeRequest is POST /verify/merge.
type MergeRequest struct {
	Resolutions []MergeResolution
	Device      *DeviceProof
	IssuerHost  string
	Origin      string
}

func mergeInvalid(msg string) error { return errs.Unprocessable(CodeMergeInvalid, msg, nil) }

// offerMerge runs before a link: when the proved wallet belongs to another
// account the user can also sign in to otherwise, it records the pending
// merge and returns merge_accounts_confirmation; otherwise nil and the
// link goes on.
func (s *Service) offerMerge(ctx context.Context, cur *Current, pr *proof) error {
	ms := s.merges
	from, err := ms.OfferMerge(ctx, &MergeOffer{EnvironmentID: pr.env.ID, UserID: cur.User.ID, Kind: MergeByWallet,
		Credential: pr.credential, Nonces: pr.nonces, Now: pr.now, ExpiresAt: pr.now.Add(PendingMergeTTL)})
	if err != nil || from == nil {
		return err
	}
	if err := s.refuseProtectedMerge(ctx, cur, from.ID); err != nil {
		return err
	}
	into, err := s.store.GetUser(ctx, cur.User.ID)
	if err != nil {
		return err
	}
	mc, err := s.mergeConflicts(ctx, ms, into, from)
	if err != nil {
		return err
	}
	return confirmation("this wallet belongs to another account; confirm merging that account into this one with /verify/merge", mc)
}

// refuseProtectedMerge refuses to merge the user fromID into the caller
// when signing in as that user would still ask for a second factor, or
// from the caller's device for the owner's approval (device
// registration): a merge's proof (one wallet's signature, or a verified
// email both share) is a first factor only, and the merge hands over
// every credential of the account. Its owner signs in to it, passes MFA,
// approves the device and links from there.
func (s *Service) refuseProtectedMerge(ctx context.Context, cur *Current, fromID string) error {
	if fromID == "" {
		return nil
	}
	envID := cur.Session.EnvironmentID
	if s.mfa != nil {
		p, err := s.MFAPolicy(ctx, envID)
		if err != nil {
			return err
		}
		if p.Enabled {
			has, err := s.hasSecondFactor(ctx, p, fromID)
			if err != nil {
				return err
			}
			if has {
				return mergeInvalid("the other account is protected by a second factor: sign in to it, pass MFA and link from there")
			}
		}
	}
	return s.refuseUnapprovedDevice(ctx, cur, fromID)
}

// refuseUnapprovedDevice refuses a merge of the user fromID from a device
// that user has not registered, where the environment requires device
// registration and a sign-in of theirs from it would await the emailed
// approval (they have an email): the merge is that sign-in, on the
// caller's device. The caller's device is their session's; a session
// tied to none (a sign-in that proved no device key) is no device of the
// other user either.
func (s *Service) refuseUnapprovedDevice(ctx context.Context, cur *Current, fromID string) error {
	if s.devices == nil {
		return nil
	}
	env, err := s.envs.GetEnvironment(ctx, cur.Session.EnvironmentID)
	if err != nil || !s.settingsOf(env).deviceRegistration {
		return err
	}
	from, err := s.store.GetUser(ctx, fromID)
	if errs.Is(err, errs.KindNotFound) {
		return nil // gone: the store refuses the merge
	}
	if err != nil || from.Email == "" {
		return err // no way to send the link, so a sign-in would not be asked either
	}
	key := ""
	if id := cur.Session.DeviceRegistrationID; id != "" {
		mine, err := s.devices.List(ctx, env.ID, cur.User.ID, id)
		if err != nil {
			return err
		}
		for _, d := range mine {
			if d.Current {
				key = d.PublicKey
			}
		}
	}
	if key != "" {
		theirs, err := s.devices.List(ctx, env.ID, fromID, "")
		if err != nil {
			return err
		}
		for _, d := range theirs {
			if d.PublicKey == key {
				return nil
			}
		}
	}
	return mergeInvalid("the other account has not registered this device: sign in to it here, approve the device " +
		"from its email and link from there")
}

func confirmation(msg string, mc *MergeConflicts) error {
	return errs.Unprocessable(CodeMergeConfirmation, msg, map[string]any{"mergeConflicts": mc})
}

// mergeConflicts lists the fields both users filled in differently.
func (s *Service) mergeConflicts(ctx context.Context, ms MergeStore, into, from *users.User) (*MergeConflicts, error) {
	kyc, err := s.kyc(ctx, into.EnvironmentID)
	if err != nil {
		return nil, err
	}
	fields, err := ms.ListCustomFields(ctx, into.EnvironmentID)
	if err != nil {
		return nil, err
	}
	prof, err := s.profile(ctx, from)
	if err != nil {
		return nil, err
	}
	return &MergeConflicts{FromUser: prof, Conflicts: users.MergeConflictsOf(into, from, kyc, fields)}, nil
}

// MergeAccounts runs the caller's pending merge (POST /verify/merge) with
// the resolutions given and re-issues the caller's tokens (same session).
func (s *Service) MergeAccounts(ctx context.Context, cur *Current, req MergeRequest) (*Result, error) {
	ms := s.merges
	for i, r := range req.Resolutions {
		if r.Type != users.KycCustom && r.Type != users.KycStandard {
			return nil, errs.Invalid("mergeUserResolutions[%d].type: must be standard or custom", i)
		}
	}
	kyc, err := s.kyc(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	w := &MergeWrite{EnvironmentID: cur.Session.EnvironmentID, UserID: cur.User.ID, Now: s.now().UTC().Truncate(time.Millisecond)}
	from, err := ms.PendingMergeFrom(ctx, w.EnvironmentID, w.UserID, w.Now)
	if err != nil {
		return nil, err
	}
	if err := s.refuseProtectedMerge(ctx, cur, from); err != nil {
		return nil, err
	}
	// The store runs the merge only if it is still of the user just
	// checked: the caller's link of a protected account's wallet records
	// that account's pending merge before it is refused, and a merge that
	// ran whatever the pending merge named by then would hand it over.
	w.FromUserID = from
	if w.Nonces, err = s.claimNonces(w.EnvironmentID, req.Device); err != nil {
		return nil, err
	}
	w.Apply = func(into, from *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
		return users.ApplyMerge(into, from, kyc, fields, req.Resolutions, w.Now)
	}
	u, err := ms.MergeUsers(ctx, w)
	if err != nil {
		return nil, err
	}
	return s.reissue(ctx, cur, u, req.IssuerHost, req.Origin)
}

// MergeUsers answers POST /users/merge: it runs the caller's pending
// merge when there is one (a link answered merge_accounts_confirmation;
// Dynamic's JS SDK merges one without conflicts by mergeUserAccounts with
// no resolutions, which posts here), else it merges another user who
// verified the same email (MergeByVerifiedEmail).
func (s *Service) MergeUsers(ctx context.Context, cur *Current, issuerHost, origin string) (*Result, error) {
	res, err := s.MergeAccounts(ctx, cur, MergeRequest{IssuerHost: issuerHost, Origin: origin})
	if !errors.Is(err, ErrNoPendingMerge) {
		return res, err
	}
	return s.MergeByVerifiedEmail(ctx, cur, issuerHost, origin)
}

// MergeByVerifiedEmail merges into the caller another user of the
// environment who verified the same email address (POST /users/merge).
// When their profiles conflict it records the pending merge and answers
// merge_accounts_confirmation, to be resolved with /verify/merge.
func (s *Service) MergeByVerifiedEmail(ctx context.Context, cur *Current, issuerHost, origin string) (*Result, error) {
	ms := s.merges
	now := s.now().UTC().Truncate(time.Millisecond)
	from, err := ms.OfferMerge(ctx, &MergeOffer{EnvironmentID: cur.Session.EnvironmentID, UserID: cur.User.ID,
		Kind: MergeByEmail, Now: now, ExpiresAt: now.Add(PendingMergeTTL)})
	if err != nil {
		return nil, err
	}
	if from == nil {
		return nil, mergeInvalid("no other account shares a verified email with this one")
	}
	if err := s.refuseProtectedMerge(ctx, cur, from.ID); err != nil {
		return nil, err
	}
	into, err := s.store.GetUser(ctx, cur.User.ID)
	if err != nil {
		return nil, err
	}
	mc, err := s.mergeConflicts(ctx, ms, into, from)
	if err != nil {
		return nil, err
	}
	if len(mc.Conflicts) > 0 {
		return nil, confirmation("another account shares a verified email with this one; choose the values to keep and merge it with /verify/merge", mc)
	}
	return s.MergeAccounts(ctx, cur, MergeRequest{IssuerHost: issuerHost, Origin: origin})
}

// kyc reads the standard fields of an environment's settings.
func (s *Service) kyc(ctx context.Context, envID string) ([]users.KycEntry, error) {
	env, err := s.envs.GetEnvironment(ctx, envID)
	if err != nil {
		return nil, err
	}
	var st struct {
		Kyc []users.KycEntry `json:"kyc"`
	}
	_ = json.Unmarshal(env.Settings, &st) // bad settings have no kyc
	return st.Kyc, nil
}
