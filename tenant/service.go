package tenant

import (
	"context"
	"crypto/rand"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/secrets"
	"github.com/google/uuid"
)

// Service applies the tenant rules on top of a Store.
type Service struct {
	store Store
	keys  *secrets.Keys
	now   func() time.Time
}

// NewService builds the service; now may be nil for the wall clock.
func NewService(store Store, keys *secrets.Keys, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, keys: keys, now: func() time.Time { return now().UTC().Truncate(time.Millisecond) }}
}

// Limits on operator-supplied text.
const (
	maxNameLen  = 255
	maxTextLen  = 2048
	maxURLLen   = 2048
	maxNoteLen  = 255
	maxSettings = 256 << 10
)

func newID() string { return uuid.NewString() }

// ValidID reports whether s is a canonical lower-case UUID, the only id
// shape the contract uses.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < 36; i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// checkText trims s and enforces a length; required refuses empty values.
func checkText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if required && s == "" {
		return "", errs.Invalid("%s: must not be empty", field)
	}
	if !utf8.ValidString(s) {
		return "", errs.Invalid("%s: must be valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", errs.Invalid("%s: must be at most %d characters, got %d", field, max, n)
	}
	return s, nil
}

// Init seeds a fresh database, or on a seeded one issues a new owner token
// for the same ids. created tells which happened.
func (s *Service) Init(ctx context.Context) (b *Bootstrap, rawToken string, created bool, err error) {
	existing, err := s.store.BootstrapIDs(ctx)
	if err == nil {
		owner, err := s.store.GetMember(ctx, existing.OwnerMemberID)
		if err != nil {
			return nil, "", false, err
		}
		tok, raw, err := s.newToken(existing.EnvironmentID, existing.ProjectID, existing.OrganizationID, "created by dynamicauth init", nil, true, *owner)
		if err != nil {
			return nil, "", false, err
		}
		if err := s.store.CreateToken(ctx, tok); err != nil {
			return nil, "", false, err
		}
		return existing, raw, false, nil
	}
	if !errs.Is(err, errs.KindNotFound) {
		return nil, "", false, err
	}
	now := s.now()
	org := &Organization{ID: newID(), Name: "Default organization", CreatedAt: now, UpdatedAt: now}
	owner := &Member{ID: newID(), OrganizationID: org.ID, Role: RoleOwner, CreatedAt: now,
		User: DashboardUser{ID: newID(), Alias: "owner", CreatedAt: now}}
	proj, envs := s.newProject(org.ID, "Default project", now)
	tok, raw, err := s.newToken(envs[0].ID, proj.ID, org.ID, "created by dynamicauth init", nil, true, *owner)
	if err != nil {
		return nil, "", false, err
	}
	seed := Seed{Organization: org, Owner: owner, Project: proj, Environments: envs, Token: tok}
	if err := s.store.Bootstrap(ctx, seed); err != nil {
		if errs.Is(err, errs.KindConflict) { // another process seeded it first
			return s.Init(ctx)
		}
		return nil, "", false, err
	}
	b = &Bootstrap{OrganizationID: org.ID, ProjectID: proj.ID, EnvironmentID: envs[0].ID,
		LiveEnvironmentID: envs[1].ID, OwnerMemberID: owner.ID}
	return b, raw, true, nil
}

// Authenticate resolves a raw "Bearer" API token to a principal.
func (s *Service) Authenticate(ctx context.Context, raw string) (*Principal, error) {
	if !looksLikeToken(raw) {
		return nil, errs.Unauthorized("invalid API token")
	}
	tok, memberships, err := s.store.TokenByHash(ctx, s.hashToken(raw))
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.Unauthorized("invalid API token")
	}
	if err != nil {
		return nil, err
	}
	return &Principal{Token: *tok, Memberships: memberships}, nil
}

const (
	tokenPrefix   = "dyn_"
	tokenBodyLen  = 56 // 56 base-62 characters carry 333 bits
	tokenAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

func looksLikeToken(raw string) bool {
	if len(raw) != len(tokenPrefix)+tokenBodyLen || !strings.HasPrefix(raw, tokenPrefix) {
		return false
	}
	for _, c := range raw[len(tokenPrefix):] {
		if !strings.ContainsRune(tokenAlphabet, c) {
			return false
		}
	}
	return true
}

// randomToken draws tokenBodyLen characters uniformly (rejection sampling,
// so no character is likelier than another).
func randomToken() (string, error) {
	out := make([]byte, 0, tokenBodyLen)
	buf := make([]byte, 64)
	for len(out) < tokenBodyLen {
		if _, err := rand.Read(buf); err != nil {
			return "", errs.Internal("random token", err)
		}
		for _, b := range buf {
			if b < 248 && len(out) < tokenBodyLen { // 248 = 4*62
				out = append(out, tokenAlphabet[int(b)%62])
			}
		}
	}
	return tokenPrefix + string(out), nil
}

func (s *Service) hashToken(raw string) []byte { return s.keys.MAC("api-token", []byte(raw)) }

func (s *Service) newToken(envID, projectID, orgID, note string, scopes []Scope, orgWide bool, creator Member) (*Token, string, error) {
	raw, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	return &Token{
		ID: newID(), EnvironmentID: envID, ProjectID: projectID, OrganizationID: orgID,
		Hash: s.hashToken(raw), Checksum: raw[len(raw)-6:], Note: note, Scopes: scopes,
		OrgWide: orgWide, CreatedBy: creator, CreatedAt: s.now(),
	}, raw, nil
}

// creator returns the member a principal acts as in orgID.
func (s *Service) creator(ctx context.Context, p *Principal) (*Member, error) {
	m, err := s.store.GetMember(ctx, p.Token.CreatedBy.ID)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return nil, errs.Forbidden("the member who created this API token no longer exists")
		}
		return nil, err
	}
	return m, nil
}

// Seeded reports whether the database has been bootstrapped.
func (s *Service) Seeded(ctx context.Context) (bool, error) {
	_, err := s.store.BootstrapIDs(ctx)
	if errs.Is(err, errs.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}
