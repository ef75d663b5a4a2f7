package signin

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
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
// transaction; POST /users/merge offers and runs a merge with another user
// who verified the same email address.

// PendingMergeTTL is how long a merge offer waits for /verify/merge.
const PendingMergeTTL = 10 * time.Minute

// Merge error codes (UnprocessableEntityErrorCode).
const (
	CodeMergeConfirmation = "merge_accounts_confirmation"
	CodeMergeInvalid      = "merge_accounts_invalid"
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
	UserID        string   // the signed-in user, whose account stays
	Nonces        []string // extra nonces to use up (a device proof)
	Now           time.Time
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
	// MergeUsers runs the caller's live pending merge in one transaction:
	// it removes the pending merge, uses up its nonces and checks its proof
	// still holds, moves every credential of the other user to the caller
	// (recording previous_users), deletes the other user (their sessions
	// end), stores the profile Apply returns (unique values kept unique)
	// and records user.merged. Without a live pending merge, or when its
	// proof no longer holds, it fails with merge_accounts_invalid.
	MergeUsers(ctx context.Context, w *MergeWrite) (*users.User, error)
	ListCustomFields(ctx context.Context, envID string) ([]users.CustomField, error)
}

// MergeConflicts is payload.mergeConflicts of merge_accounts_confirmation.
type MergeConflicts struct {
	FromUser  *users.Profile
	Conflicts []MergeConflict
}

// MergeConflict is a profile field both users filled in differently.
type MergeConflict struct {
	Field       users.KycEntry
	FromUser    MergeValue
	CurrentUser MergeValue
}

// MergeValue is one user's value of a conflicting field.
type MergeValue struct {
	UserID string
	Value  string
}

// MergeResolution picks whose value a conflicting field keeps
// (MergeUserConflictResolution).
type MergeResolution struct {
	UserID   string
	FieldKey string
	Type     string // standard | custom
}

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
	return &MergeConflicts{FromUser: prof, Conflicts: conflicts(into, from, kyc, fields)}, nil
}

// MergeAccounts runs the caller's pending merge (POST /verify/merge) with
// the resolutions given and re-issues the caller's tokens (same session).
func (s *Service) MergeAccounts(ctx context.Context, cur *Current, req MergeRequest) (*Result, error) {
	ms := s.merges
	for i, r := range req.Resolutions {
		if r.Type != users.KycCustom && r.Type != kycStandard {
			return nil, errs.Invalid("mergeUserResolutions[%d].type: must be standard or custom", i)
		}
	}
	kyc, err := s.kyc(ctx, cur.Session.EnvironmentID)
	if err != nil {
		return nil, err
	}
	w := &MergeWrite{EnvironmentID: cur.Session.EnvironmentID, UserID: cur.User.ID, Now: s.now().UTC().Truncate(time.Millisecond)}
	if req.Device != nil {
		if err := req.Device.Verify(); err != nil {
			return nil, err
		}
		w.Nonces = []string{req.Device.Nonce}
	}
	w.Apply = func(into, from *users.User, fields []users.CustomField) (*users.ProfileChange, error) {
		return applyMerge(into, from, kyc, fields, req.Resolutions, w.Now)
	}
	u, err := ms.MergeUsers(ctx, w)
	if err != nil {
		return nil, err
	}
	return s.reissue(ctx, cur, u, req.IssuerHost, req.Origin)
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

const kycStandard = "standard"

// standardFieldNames are the profile columns a merge compares
// (UserFields names).
var standardFieldNames = []string{"email", "alias", "firstName", "lastName", "jobTitle", "phoneNumber", "tShirtSize",
	"team", "country", "username"}

func standardField(u *users.User, name string) *string {
	switch name {
	case "email":
		return &u.Email
	case "alias":
		return &u.Alias
	case "firstName":
		return &u.FirstName
	case "lastName":
		return &u.LastName
	case "jobTitle":
		return &u.JobTitle
	case "phoneNumber":
		return &u.PhoneNumber
	case "tShirtSize":
		return &u.TShirtSize
	case "team":
		return &u.Team
	case "country":
		return &u.Country
	case "username":
		return &u.Username
	}
	return nil
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

// standardEntry is a standard field as the settings list it, or a
// disabled entry for one they do not list.
func standardEntry(kyc []users.KycEntry, name string) users.KycEntry {
	for _, e := range kyc {
		if e.Name == name && e.Type != users.KycCustom {
			e.Type = kycStandard
			return e
		}
	}
	return users.KycEntry{Name: name, Type: kycStandard, Unique: name == "email" || name == "username"}
}

func sameStandard(name, a, b string) bool {
	if name == "email" || name == "username" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// metadataObject reads metadata; anything but an object reads as empty.
func metadataObject(raw json.RawMessage) map[string]json.RawMessage {
	m := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return map[string]json.RawMessage{}
	}
	return m
}

// emptyValue reports whether a custom field's value leaves it unfilled:
// absent, null, "", blank, false or an empty list.
func emptyValue(v json.RawMessage) bool {
	t := string(bytes.TrimSpace(v))
	switch t {
	case "", "null", `""`, "false", "[]":
		return true
	}
	var s string
	return json.Unmarshal(v, &s) == nil && strings.TrimSpace(s) == ""
}

func sameJSON(a, b json.RawMessage) bool {
	var ca, cb bytes.Buffer
	if json.Compact(&ca, a) != nil || json.Compact(&cb, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(ca.Bytes(), cb.Bytes())
}

// displayValue is a metadata value as MergeUser.value: a string as is,
// anything else as compact JSON.
func displayValue(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return string(v)
	}
	return b.String()
}

// conflicts lists the standard fields, then the custom fields (in display
// order), that both users filled in with different values.
func conflicts(into, from *users.User, kyc []users.KycEntry, fields []users.CustomField) []MergeConflict {
	out := []MergeConflict{}
	for _, name := range standardFieldNames {
		a, b := *standardField(into, name), *standardField(from, name)
		if a != "" && b != "" && !sameStandard(name, a, b) {
			out = append(out, MergeConflict{Field: standardEntry(kyc, name),
				FromUser: MergeValue{UserID: from.ID, Value: b}, CurrentUser: MergeValue{UserID: into.ID, Value: a}})
		}
	}
	ma, mb := metadataObject(into.Metadata), metadataObject(from.Metadata)
	entries := users.SettingsEntries(fields)
	for i, f := range fields {
		a, b := ma[f.Name], mb[f.Name]
		if !emptyValue(a) && !emptyValue(b) && !sameJSON(a, b) {
			out = append(out, MergeConflict{Field: entries[i],
				FromUser: MergeValue{UserID: from.ID, Value: displayValue(b)}, CurrentUser: MergeValue{UserID: into.ID, Value: displayValue(a)}})
		}
	}
	return out
}

// chooser answers whose value a conflicting field keeps.
type chooser struct {
	into, from string
	picks      map[string]string // type + "\x00" + key -> user id
	bad        []string
}

func newChooser(into, from string, rs []MergeResolution) *chooser {
	c := &chooser{into: into, from: from, picks: map[string]string{}}
	for i, r := range rs {
		if r.UserID != into && r.UserID != from {
			c.bad = append(c.bad, "mergeUserResolutions["+strconv.Itoa(i)+"].userId")
			continue
		}
		c.picks[r.Type+"\x00"+r.FieldKey] = r.UserID
	}
	return c
}

// pick returns the chosen user for a field known under any of keys.
func (c *chooser) pick(typ string, keys ...string) (string, bool) {
	for _, k := range keys {
		if id, ok := c.picks[typ+"\x00"+k]; ok {
			return id, true
		}
	}
	return "", false
}

// applyMerge computes the staying user's profile: each conflicting field
// takes the value of the user its resolution names, fields only the other
// user filled in come over, and the caller's values stay otherwise.
// Unresolved conflicts refuse the merge.
func applyMerge(into, from *users.User, kyc []users.KycEntry, fields []users.CustomField, rs []MergeResolution, now time.Time) (*users.ProfileChange, error) {
	c := newChooser(into.ID, from.ID, rs)
	if len(c.bad) > 0 {
		return nil, errs.Unprocessable(CodeMergeInvalid, strings.Join(c.bad, ", ")+": must name one of the two accounts", nil)
	}
	next := *into
	var unresolved []string
	for _, name := range standardFieldNames {
		a, b := standardField(&next, name), *standardField(from, name)
		switch {
		case b == "":
		case *a == "":
			*a = b
		case !sameStandard(name, *a, b):
			id, ok := c.pick(kycStandard, name)
			if !ok {
				unresolved = append(unresolved, name)
			} else if id == from.ID {
				*a = b
			}
		}
	}
	ma, mb := metadataObject(into.Metadata), metadataObject(from.Metadata)
	custom := map[string]*users.CustomField{}
	for i := range fields {
		custom[fields[i].Name] = &fields[i]
	}
	for _, k := range slices.Sorted(maps.Keys(mb)) {
		a, b := ma[k], mb[k]
		f := custom[k]
		switch {
		case f == nil: // not a profile field: the caller's key stays
			if _, ok := ma[k]; !ok || string(bytes.TrimSpace(a)) == "null" {
				ma[k] = b
			}
		case emptyValue(b):
		case emptyValue(a):
			ma[k] = b
		case !sameJSON(a, b):
			id, ok := c.pick(users.KycCustom, f.Name, f.Key)
			if !ok {
				unresolved = append(unresolved, "metadata."+f.Name)
			} else if id == from.ID {
				ma[k] = b
			}
		}
	}
	if len(unresolved) > 0 {
		return nil, errs.Unprocessable(CodeMergeInvalid,
			"unresolved merge conflicts: "+strings.Join(unresolved, ", ")+"; send a mergeUserResolutions entry for each",
			map[string]any{"additionalMessages": unresolved})
	}
	meta, err := json.Marshal(ma)
	if err != nil {
		return nil, errs.Internal("merge metadata", err)
	}
	if len(meta) > users.MaxMetadataBytes {
		return nil, errs.Unprocessable("metadata_size_exceeded",
			"metadata: the merged metadata would exceed "+strconv.Itoa(users.MaxMetadataBytes)+" bytes", nil)
	}
	next.Metadata, next.UpdatedAt, next.Credentials = meta, now, nil
	return &users.ProfileChange{User: &next, Unique: users.AdminUniqueValues(&next, fields)}, nil
}
