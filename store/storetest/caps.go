package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth/access"
	"github.com/dynamicauth/dynamicauth/exports"
	"github.com/dynamicauth/dynamicauth/store"
	"github.com/dynamicauth/dynamicauth/tenant"
	"github.com/dynamicauth/dynamicauth/webhooks"
)

// capCase is one capped create: create adds a fresh row to the capped set
// (other: to another owner's set) under the cap max, count reads the set's
// size.
type capCase struct {
	name   string
	full   error
	create func(t *testing.T, other bool, max int) error
	count  func(t *testing.T) int
}

// testCaps: each capped create refuses with its sentinel once its owner
// (an environment, an organization) has max rows, writes nothing then,
// leaves another owner's set alone, and holds the cap under concurrent
// creates at the limit: exactly one of them wins.
func testCaps(t *testing.T, s store.Store) {
	for _, cc := range capCases(t, s) {
		t.Run(cc.name, func(t *testing.T) {
			for i := range 3 {
				must(t, fmt.Sprintf("create %d of 3", i+1), cc.create(t, false, 3))
			}
			if err := cc.create(t, false, 3); !errors.Is(err, cc.full) {
				t.Fatalf("a fourth with max 3: %v, want %v", err, cc.full)
			}
			eq(t, "count after the refusal", cc.count(t), 3)
			must(t, "create for another owner", cc.create(t, true, 3))

			const racers = 8
			errc := make(chan error, racers)
			var wg sync.WaitGroup
			for range racers {
				wg.Go(func() { errc <- cc.create(t, false, 4) })
			}
			wg.Wait()
			close(errc)
			won := 0
			for err := range errc {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, cc.full):
					t.Errorf("a concurrent create: %v, want nil or %v", err, cc.full)
				}
			}
			eq(t, "concurrent creates at the limit that won", won, 1)
			eq(t, "count after the race", cc.count(t), 4)
		})
	}
	t.Run("PendingInviteAgain", func(t *testing.T) { testCapsPendingAgain(t, s) })
}

// An invite already pending set pending again is no reopening: it is
// counted once, so the change passes at the cap.
func testCapsPendingAgain(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "again", newUser(c, "gina"))
	inv := createInvite(t, s, c, org, "gina@example.com", "", "", tenant.RoleViewer)
	must(t, "set the only pending invite pending, max 1", s.SetInviteStatus(ctx(t), inv.ID, tenant.InvitePending, nil, 1))
}

func capCases(t *testing.T, s store.Store) []capCase {
	c := newClock()
	org, owner := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sandbox, live := createProject(t, s, c, org.ID, "app")
	rejected := createInvite(t, s, c, org, "no@example.com", "", "", tenant.RoleViewer)
	must(t, "reject an invite", s.SetInviteStatus(ctx(t), rejected.ID, tenant.InviteRejected, nil, tenant.MaxPendingInvites))
	otherOrg, otherOwner := createOrg(t, s, c, "other", newUser(c, "olga"))
	_, otherEnv, _ := createProject(t, s, c, otherOrg.ID, "other-app")
	// Projects and reopened invites are counted in organizations of their
	// own: org has a project and will hold the PendingInvites case's.
	projectsOrg, _ := createOrg(t, s, c, "projects", newUser(c, "paula"))
	reopenOrg, _ := createOrg(t, s, c, "reopen", newUser(c, "rita"))
	// The invites the ReopenedInvites case reopens, rejected beforehand: 3,
	// the refused fourth and 8 racers; one of the other organization's.
	rejectedOf := func(org *tenant.Organization, n int) chan *tenant.Invite {
		invs := make(chan *tenant.Invite, n)
		for i := range n {
			inv := createInvite(t, s, c, org, fmt.Sprintf("late%d@example.com", i), "", "", tenant.RoleViewer)
			must(t, "reject an invite", s.SetInviteStatus(ctx(t), inv.ID, tenant.InviteRejected, nil, tenant.MaxPendingInvites))
			invs <- inv
		}
		return invs
	}
	toReopen, otherToReopen := rejectedOf(reopenOrg, 12), rejectedOf(otherOrg, 1)
	envOf := func(other bool) string {
		if other {
			return live.ID
		}
		return sandbox.ID
	}
	n := 0
	next := func() int { n++; return n }
	count := func(what string, list func() (int, error)) func(t *testing.T) int {
		return func(t *testing.T) int {
			got, err := list()
			must(t, what, err)
			return got
		}
	}
	return []capCase{
		{"Gates", access.ErrTooManyGates, func(t *testing.T, other bool, max int) error {
			return s.CreateGate(ctx(t), &access.Gate{ID: id(), EnvironmentID: envOf(other), Name: fmt.Sprintf("gate-%d", next()),
				Outcome: access.OutcomeBlock, CreatedAt: c.next()}, max)
		}, count("ListGates", func() (int, error) { l, err := s.ListGates(ctx(t), sandbox.ID); return len(l), err })},

		{"Allowlists", access.ErrTooManyLists, func(t *testing.T, other bool, max int) error {
			return s.CreateAllowlist(ctx(t), &access.Allowlist{ID: id(), EnvironmentID: envOf(other),
				Name: fmt.Sprintf("list-%d", next()), Outcome: access.OutcomeSiteAccess, CreatedAt: c.next()}, max)
		}, count("ListAllowlists", func() (int, error) {
			l, err := s.ListAllowlists(ctx(t), sandbox.ID)
			return len(l), err
		})},

		{"Origins", tenant.ErrTooManyOrigins, func(t *testing.T, other bool, max int) error {
			return s.AddOrigin(ctx(t), &tenant.Origin{ID: id(), EnvironmentID: envOf(other),
				Origin: fmt.Sprintf("https://app%d.example.com", next()), CreatedAt: c.next()}, max)
		}, count("ListOrigins", func() (int, error) { l, err := s.ListOrigins(ctx(t), sandbox.ID); return len(l), err })},

		// An organization's tokens count over its environments: they are
		// made in both of them here.
		{"Tokens", tenant.ErrTooManyTokens, func(t *testing.T, other bool, max int) error {
			if other {
				return s.CreateToken(ctx(t), newToken(t, c, otherEnv, otherOwner, "other", nil, false), max)
			}
			env := sandbox
			if next()%2 == 0 {
				env = live
			}
			return s.CreateToken(ctx(t), newToken(t, c, env, owner, "ci", nil, false), max)
		}, count("ListTokens", func() (int, error) {
			a, err := s.ListTokens(ctx(t), sandbox.ID)
			if err != nil {
				return 0, err
			}
			b, err := s.ListTokens(ctx(t), live.ID)
			return len(a) + len(b), err
		})},

		// Only pending invites count: the rejected one made above is none.
		{"PendingInvites", tenant.ErrTooManyInvites, func(t *testing.T, other bool, max int) error {
			to := org
			if other {
				to = otherOrg
			}
			return s.CreateInvite(ctx(t), newInvite(c, to, fmt.Sprintf("guest%d@example.com", next()), "", "",
				tenant.RoleViewer), max)
		}, count("ListInvites", func() (int, error) {
			l, err := s.ListInvites(ctx(t), org.ID, tenant.InvitePending)
			return len(l), err
		})},

		// Reopening a rejected (or revoked) invite makes it pending again,
		// which counts as creating one.
		{"ReopenedInvites", tenant.ErrTooManyInvites, func(t *testing.T, other bool, max int) error {
			invs := toReopen
			if other {
				invs = otherToReopen
			}
			return s.SetInviteStatus(ctx(t), (<-invs).ID, tenant.InvitePending, nil, max)
		}, count("ListInvites", func() (int, error) {
			l, err := s.ListInvites(ctx(t), reopenOrg.ID, tenant.InvitePending)
			return len(l), err
		})},

		{"Projects", tenant.ErrTooManyProjects, func(t *testing.T, other bool, max int) error {
			to := projectsOrg
			if other {
				to = otherOrg
			}
			at := c.next()
			p := &tenant.Project{ID: id(), OrganizationID: to.ID, Name: fmt.Sprintf("app-%d", next()), CreatedAt: at, UpdatedAt: at}
			return s.CreateProject(ctx(t), p, []*tenant.Environment{newEnv(c, p.ID, to.ID, tenant.EnvSandbox, p.Name),
				newEnv(c, p.ID, to.ID, tenant.EnvLive, p.Name)}, max)
		}, count("ListProjects", func() (int, error) {
			l, err := s.ListProjects(ctx(t), projectsOrg.ID)
			return len(l), err
		})},

		{"PendingExports", exports.ErrTooManyPending, func(t *testing.T, other bool, max int) error {
			return s.CreateExport(ctx(t), &exports.Export{ID: id(), EnvironmentID: envOf(other), Format: exports.FormatCSV,
				Model: exports.ModelUsers, Status: exports.StatusPending, CreatedAt: c.next()}, max)
		}, count("ListExports", func() (int, error) {
			l, err := s.ListExports(ctx(t), sandbox.ID, "", 100)
			return len(l), err
		})},

		{"Webhooks", webhooks.ErrTooMany, func(t *testing.T, other bool, max int) error {
			w, ping := newHook(c, envOf(other), true, "user.created")
			return s.CreateWebhook(ctx(t), w, ping, max)
		}, count("ListWebhooks", func() (int, error) {
			l, err := s.ListWebhooks(ctx(t), sandbox.ID)
			return len(l), err
		})},
	}
}
