package storetest

import (
	"reflect"
	"testing"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/store"
)

func testSocialProviders(t *testing.T, s store.Store) {
	c := newClock()
	org, _ := createOrg(t, s, c, "acme", newUser(c, "alice"))
	_, sb, lv := createProject(t, s, c, org.ID, "one")
	now := c.next()
	gh := &social.Provider{ID: id(), EnvironmentID: sb.ID, Type: social.GitHub, ClientID: "cid",
		ClientSecretSealed: []byte{1, 2, 3}, MaskedClientSecret: "****cret", Scopes: "read:user user:email",
		EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
	must(t, "CreateProvider", s.CreateProvider(ctx(t), gh))
	dup := *gh
	dup.ID = id()
	wantKind(t, "second github in one environment", s.CreateProvider(ctx(t), &dup), errs.KindConflict)
	dup.EnvironmentID = lv.ID
	must(t, "same type, other environment", s.CreateProvider(ctx(t), &dup))
	missing := *gh
	missing.ID, missing.EnvironmentID = id(), "no-such-env"
	wantKind(t, "CreateProvider in a missing environment", s.CreateProvider(ctx(t), &missing), errs.KindNotFound)
	apple := &social.Provider{ID: id(), EnvironmentID: sb.ID, Type: social.Apple, AppleKeyID: "K", AppleTeamID: "T",
		CreatedAt: now, UpdatedAt: now}
	must(t, "CreateProvider apple", s.CreateProvider(ctx(t), apple))
	sg := &social.Provider{ID: id(), EnvironmentID: lv.ID, Type: social.SendGrid, ClientID: "Acme <auth@acme.test>",
		ClientSecretSealed: []byte{4, 5}, MaskedClientSecret: "****-key", SendGridIPPoolName: "transactional",
		EnabledAt: &now, CreatedAt: now, UpdatedAt: now}
	must(t, "CreateProvider sendgrid", s.CreateProvider(ctx(t), sg))
	if got, err := s.GetProvider(ctx(t), sg.ID); err != nil || !reflect.DeepEqual(got, sg) {
		t.Errorf("GetProvider sendgrid = %+v, %v; want %+v", got, err, sg)
	}
	sgUpd := *sg
	sgUpd.SendGridIPPoolName, sgUpd.UpdatedAt = "marketing", c.next()
	must(t, "UpdateProvider sendgrid's pool", s.UpdateProvider(ctx(t), &sgUpd))
	if got, err := s.GetProvider(ctx(t), sg.ID); err != nil || got.SendGridIPPoolName != "marketing" {
		t.Errorf("pool after update = %+v, %v", got, err)
	}

	got, err := s.GetProvider(ctx(t), gh.ID)
	must(t, "GetProvider", err)
	if !reflect.DeepEqual(got, gh) {
		t.Errorf("GetProvider = %+v, want %+v", got, gh)
	}
	all, err := s.ListProviders(ctx(t), sb.ID)
	must(t, "ListProviders", err)
	if len(all) != 2 || all[0].Type != social.Apple || all[1].Type != social.GitHub || all[0].EnabledAt != nil {
		t.Fatalf("ListProviders = %+v", all)
	}
	upd := *gh
	upd.ClientID, upd.EnabledAt, upd.ClientSecretSealed, upd.UpdatedAt = "cid2", nil, nil, c.next()
	must(t, "UpdateProvider", s.UpdateProvider(ctx(t), &upd))
	got, err = s.GetProvider(ctx(t), gh.ID)
	must(t, "GetProvider after update", err)
	if got.ClientID != "cid2" || got.EnabledAt != nil || len(got.ClientSecretSealed) != 0 || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Fatalf("after update: %+v", got)
	}
	must(t, "DeleteProvider", s.DeleteProvider(ctx(t), gh.ID))
	wantKind(t, "DeleteProvider twice", s.DeleteProvider(ctx(t), gh.ID), errs.KindNotFound)
	_, err = s.GetProvider(ctx(t), gh.ID)
	wantKind(t, "GetProvider deleted", err, errs.KindNotFound)
	wantKind(t, "UpdateProvider deleted", s.UpdateProvider(ctx(t), &upd), errs.KindNotFound)
}
