package tenant

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/ids"
	"github.com/dynamicauth/dynamicauth/secrets"
)

// Service applies the tenant rules on top of a Store.
type Service struct {
	store Store
	keys  *secrets.Keys
	now   func() time.Time
	rules []SettingsRule
	log   *slog.Logger
}

// SettingsRule looks after a member of ProjectSettings that the contract
// does not have (a domain package's own settings, such as
// security.passkeys) when next is about to replace the stored settings:
// it checks the member (an error refuses the update) and may carry it
// over from stored, since Dynamic's clients drop members they do not
// know when they send the settings back.
type SettingsRule func(next map[string]any, stored json.RawMessage) error

// NewService builds the service; now may be nil for the wall clock.
// rules run on every settings update.
func NewService(store Store, keys *secrets.Keys, now func() time.Time, rules ...SettingsRule) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, keys: keys, rules: rules, log: slog.Default(),
		now: func() time.Time { return now().UTC().Truncate(time.Millisecond) }}
}

// WithLogger sets where the service logs (slog.Default otherwise).
func (s *Service) WithLogger(l *slog.Logger) *Service {
	s.log = l
	return s
}

// Limits on operator-supplied text.
const (
	maxNameLen  = 255
	maxTextLen  = 2048
	maxURLLen   = 2048
	maxNoteLen  = 255
	maxSettings = 256 << 10
)

// ValidID reports whether s is a canonical lower-case UUID, the only id
// shape the contract uses.
func ValidID(s string) bool { return ids.Valid(s) }

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
	b, rawToken, err = s.Bootstrap(ctx)
	if err != nil || rawToken != "" {
		return b, rawToken, rawToken != "", err
	}
	owner, err := s.store.GetMember(ctx, b.OwnerMemberID)
	if err != nil {
		return nil, "", false, err
	}
	tok, raw, err := s.newToken(b.EnvironmentID, b.ProjectID, b.OrganizationID, "created by dynamicauth init", nil, true, *owner)
	if err != nil {
		return nil, "", false, err
	}
	if err := s.store.CreateToken(ctx, tok, uncapped); err != nil {
		return nil, "", false, err
	}
	return b, raw, false, nil
}

// Bootstrap returns the seeded ids, seeding an empty database first (an
// organization, its owner, a project with a sandbox and a live
// environment, and one owner API token, whose raw value is returned only
// by the call that seeded). On a seeded database it changes nothing, so an
// application may call it on every start.
func (s *Service) Bootstrap(ctx context.Context) (b *Bootstrap, ownerToken string, err error) {
	existing, err := s.store.BootstrapIDs(ctx)
	if err == nil {
		return existing, "", nil
	}
	if !errs.Is(err, errs.KindNotFound) {
		return nil, "", err
	}
	seed, raw, err := s.newSeed(DashboardUser{ID: ids.New(), Alias: "owner", CreatedAt: s.now()}, "Default organization")
	if err != nil {
		return nil, "", err
	}
	if err := s.store.Bootstrap(ctx, *seed); err != nil {
		if errs.Is(err, errs.KindConflict) { // another process seeded it first
			return s.Bootstrap(ctx)
		}
		return nil, "", err
	}
	return seed.ids(), raw, nil
}

// newSeed builds an organization owned by user, with a project, both
// environments and an owner token.
func (s *Service) newSeed(user DashboardUser, orgName string) (*Seed, string, error) {
	now := s.now()
	org := &Organization{ID: ids.New(), Name: orgName, CreatedAt: now, UpdatedAt: now}
	owner := &Member{ID: ids.New(), OrganizationID: org.ID, Role: RoleOwner, CreatedAt: now, User: user}
	proj, envs := s.newProject(org.ID, "Default project", now)
	tok, raw, err := s.newToken(envs[0].ID, proj.ID, org.ID, "created by dynamicauth init", nil, true, *owner)
	if err != nil {
		return nil, "", err
	}
	return &Seed{Organization: org, Owner: owner, Project: proj, Environments: envs, Token: tok}, raw, nil
}

func (seed *Seed) ids() *Bootstrap {
	return &Bootstrap{OrganizationID: seed.Organization.ID, ProjectID: seed.Project.ID,
		EnvironmentID: seed.Environments[0].ID, LiveEnvironmentID: seed.Environments[1].ID, OwnerMemberID: seed.Owner.ID}
}

// InitOperator issues an owner token for the operator with this email. A
// new operator gets an organization of their own (with a project and both
// environments); a known one gets a new token for the first organization
// they own. Invites addressed to the email can then be accepted with it.
func (s *Service) InitOperator(ctx context.Context, email string) (b *Bootstrap, rawToken string, created bool, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return nil, "", false, errs.Invalid("email: %q is not an email address", email)
	}
	user, err := s.store.DashboardUserByEmail(ctx, email)
	if errs.Is(err, errs.KindNotFound) {
		seed, raw, err := s.newSeed(DashboardUser{ID: ids.New(), Email: email, Alias: email, CreatedAt: s.now()}, email)
		if err != nil {
			return nil, "", false, err
		}
		if err := s.store.CreateTenant(ctx, *seed); err != nil {
			return nil, "", false, err
		}
		return seed.ids(), raw, true, nil
	}
	if err != nil {
		return nil, "", false, err
	}
	orgs, err := s.store.ListOrganizationsForUser(ctx, user.ID)
	if err != nil {
		return nil, "", false, err
	}
	for _, o := range orgs {
		if o.Role != RoleOwner {
			continue
		}
		member, err := s.store.MemberOf(ctx, o.ID, user.ID)
		if err != nil {
			return nil, "", false, err
		}
		projects, err := s.store.ListProjects(ctx, o.ID)
		if err != nil {
			return nil, "", false, err
		}
		if len(projects) == 0 || len(projects[0].Environments) < 2 {
			continue
		}
		p := projects[0]
		tok, raw, err := s.newToken(p.Environments[0].ID, p.ID, o.ID, "created by dynamicauth init", nil, true, *member)
		if err != nil {
			return nil, "", false, err
		}
		if err := s.store.CreateToken(ctx, tok, uncapped); err != nil {
			return nil, "", false, err
		}
		return &Bootstrap{OrganizationID: o.ID, ProjectID: p.ID, EnvironmentID: p.Environments[0].ID,
			LiveEnvironmentID: p.Environments[1].ID, OwnerMemberID: member.ID}, raw, false, nil
	}
	return nil, "", false, errs.Unprocessable("", "operator "+email+" owns no organization with a project", nil)
}

// Authenticate resolves a raw "Bearer" API token to a principal.
func (s *Service) Authenticate(ctx context.Context, raw string) (*Principal, error) {
	if !looksLikeToken(raw) {
		return nil, errs.Unauthorized("invalid API token")
	}
	hashes := s.keys.MACs(tokenPurpose, []byte(raw))
	for i, h := range hashes {
		tok, memberships, err := s.store.TokenByHash(ctx, h)
		if errs.Is(err, errs.KindNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if i > 0 {
			s.rehash(ctx, tok, hashes[0])
		}
		return &Principal{Token: *tok, Memberships: memberships}, nil
	}
	return nil, errs.Unauthorized("invalid API token")
}

// rehash moves a token found by its hash under a previous master secret
// to the current one, so that the previous secret can be retired once
// the tokens in use have been seen. A failure costs only a later retry.
func (s *Service) rehash(ctx context.Context, tok *Token, hash []byte) {
	if err := s.store.RehashToken(ctx, tok.ID, tok.Hash, hash); err != nil {
		s.log.WarnContext(ctx, "api token: rehash under the current master secret", "token_id", tok.ID, "error", err)
		return
	}
	s.log.InfoContext(ctx, "api token rehashed under the current master secret", "token_id", tok.ID)
	tok.Hash = hash
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

// tokenPurpose keys the hashes of API tokens.
const tokenPurpose = "api-token"

func (s *Service) hashToken(raw string) []byte { return s.keys.MAC(tokenPurpose, []byte(raw)) }

func (s *Service) newToken(envID, projectID, orgID, note string, scopes []Scope, orgWide bool, creator Member) (*Token, string, error) {
	raw, err := randomToken()
	if err != nil {
		return nil, "", err
	}
	return &Token{
		ID: ids.New(), EnvironmentID: envID, ProjectID: projectID, OrganizationID: orgID,
		Hash: s.hashToken(raw), Checksum: raw[len(raw)-6:], Note: note, Scopes: scopes,
		OrgWide: orgWide, CreatedBy: creator, CreatedAt: s.now(),
	}, raw, nil
}

// creator returns the member the principal's token was made under (in
// the token's own organization); its User is who the principal is.
func (s *Service) creator(ctx context.Context, p *Principal) (*Member, error) {
	if p.system {
		return s.owner(ctx, p.Token.OrganizationID)
	}
	m, err := s.store.GetMember(ctx, p.Token.CreatedBy.ID)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return nil, errs.Forbidden("the member who created this API token no longer exists")
		}
		return nil, err
	}
	return m, nil
}

// memberIn returns the membership of orgID a principal acts with: its
// operator's own there, not the one its token was made under (a token of
// another organization reaches orgID through the same person's
// membership, and what it makes must go when that membership does).
func (s *Service) memberIn(ctx context.Context, p *Principal, orgID string) (*Member, error) {
	if p.system {
		return s.owner(ctx, orgID)
	}
	m, err := s.store.MemberOf(ctx, orgID, p.Token.CreatedBy.User.ID)
	if errs.Is(err, errs.KindNotFound) {
		return nil, errs.Forbidden("the operator of this API token is not a member of this organization")
	}
	return m, err
}

// owner is the owner member of an organization.
func (s *Service) owner(ctx context.Context, orgID string) (*Member, error) {
	members, err := s.store.ListMembers(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for i := range members {
		if members[i].Role == RoleOwner {
			return &members[i], nil
		}
	}
	return nil, errs.NotFound("organization_not_found", "organization "+orgID+" has no owner")
}

// Seeded reports whether the database has been bootstrapped.
func (s *Service) Seeded(ctx context.Context) (bool, error) {
	_, err := s.store.BootstrapIDs(ctx)
	if errs.Is(err, errs.KindNotFound) {
		return false, nil
	}
	return err == nil, err
}
