package dynamicauth_test

import (
	"context"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/dynamicauth/dynamicauth"
	"github.com/dynamicauth/dynamicauth/delivery/deliverytest"
	"github.com/dynamicauth/dynamicauth/dynamicauthtest"
	"github.com/dynamicauth/dynamicauth/otp"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/users"
)

// changeLog records what AfterChange hears.
type changeLog struct {
	mu  sync.Mutex
	got []dynamicauth.Change
}

func (l *changeLog) hook(_ context.Context, c dynamicauth.Change) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.got = append(l.got, c)
	return nil
}

// take returns what was heard since the last take.
func (l *changeLog) take() []dynamicauth.Change {
	l.mu.Lock()
	defer l.mu.Unlock()
	got := l.got
	l.got = nil
	return got
}

// TestAfterChangeHearsClearedEmailClaims: a sign-in or a verify proving
// an email clears it from the profile of another user who only claimed
// it; the hook hears that user updated, without the email, before the
// prover's own changes, so that an application mirroring users (an email
// unique there too) drops the stale address before it stores it again.
func TestAfterChangeHearsClearedEmailClaims(t *testing.T) {
	box, log := &deliverytest.Box{}, &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		claim := func(email string) *dynamicauthtest.SignedIn {
			t.Helper()
			s := dynamicauthtest.SignInWallet(t, app)
			in := users.ProfileInput{Fields: map[string]*string{"email": &email}}
			up, err := app.UpdateProfile(ctx, env, s.MinifiedJWT, in, dynamicauth.ProfileOptions{})
			if err != nil || up.User.Email != email {
				t.Fatalf("claim %s while email codes are off: %+v, %v", email, up, err)
			}
			return s
		}
		wantClearedFirst := func(what string, claimant *dynamicauthtest.SignedIn, proverID string) {
			t.Helper()
			got := log.take()
			if len(got) < 2 || got[0].Kind != dynamicauth.UserUpdated || got[0].UserID != claimant.UserID ||
				got[0].EnvironmentID != env || got[0].User == nil || got[0].User.Email != "" {
				t.Fatalf("%s: changes %+v, want first the claimant's update without the email", what, got)
			}
			for _, c := range got[1:] {
				if c.UserID != proverID {
					t.Errorf("%s: change %+v of another user than the prover %s", what, c, proverID)
				}
			}
		}
		mallory, mary := claim("victor@example.com"), claim("wendy@example.com")
		wendy := dynamicauthtest.SignInWallet(t, app)
		enableEmailCodes(t, app)

		log.take()
		started, err := app.Codes().Start(ctx, otp.Request{EnvironmentID: env, Channel: otp.ChannelEmail,
			Destination: otp.Destination{Email: "victor@example.com"}, Client: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		res, err := app.SignInWithCode(ctx, signin.CodeRequest{EnvironmentID: env, Channel: otp.ChannelEmail,
			VerificationID: started.Verification.ID, Code: box.LastEmail(t, "victor@example.com").Code, Origin: app.Origin})
		if err != nil || !res.NewUser {
			t.Fatalf("victor's code sign-in: %+v, %v", res, err)
		}
		wantClearedFirst("victor's code sign-in", mallory, res.User.ID)

		email := "wendy@example.com"
		verifyNewEmail(t, app, box, log, wendy.MinifiedJWT, email)
		wantClearedFirst("wendy's verify", mary, wendy.UserID)
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.Hooks.AfterChange = log.hook
	})
}

// verifyNewEmail has the signed-in user (jwt) put email in their profile
// and prove it with the code mailed to box; what the hook heard of the
// profile update is taken from log before the verify.
func verifyNewEmail(t *testing.T, app *dynamicauthtest.App, box *deliverytest.Box, log *changeLog, jwt, email string) {
	t.Helper()
	ctx, env := t.Context(), app.IDs.EnvironmentID
	in := users.ProfileInput{Fields: map[string]*string{"email": &email}}
	up, err := app.UpdateProfile(ctx, env, jwt, in, dynamicauth.ProfileOptions{Client: "192.0.2.1"})
	if err != nil || up.Verification == nil {
		t.Fatalf("new email %s: %+v, %v", email, up, err)
	}
	log.take()
	req := signin.CodeRequest{Channel: otp.ChannelEmail, VerificationID: up.Verification.Verification.ID,
		Code: box.LastEmail(t, email).Code, Origin: app.Origin}
	if _, err := app.VerifyCode(ctx, env, jwt, req); err != nil {
		t.Fatalf("verify of %s: %v", email, err)
	}
}

// TestAfterChangeHearsDeviceRevocations: revoking a registered device
// ends its sessions, revoking all devices every session of the user; the
// hook hears them revoked, as it hears a sign-out.
func TestAfterChangeHearsDeviceRevocations(t *testing.T) {
	box, log := &deliverytest.Box{}, &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, env := t.Context(), app.IDs.EnvironmentID
		enableEmailCodes(t, app)
		setSecurity(t, app, "deviceRegistrationRequired", true)
		laptop := newDeviceKey(t)
		first := emailSignIn(t, app, box, "ada@example.com", laptop)
		again := emailSignIn(t, app, box, "ada@example.com", laptop)
		laptopID := again.Session.DeviceRegistrationID
		if laptopID == "" || again.Auth.DevicePending {
			t.Fatalf("ada's laptop: device %q, pending %t", laptopID, again.Auth.DevicePending)
		}
		bob := emailSignIn(t, app, box, "bob@example.com", newDeviceKey(t))

		revoked := func() map[string]string {
			out := map[string]string{}
			for _, c := range log.take() {
				if c.Kind == dynamicauth.SessionRevoked && c.EnvironmentID == env {
					out[c.SessionID] = c.UserID
				}
			}
			return out
		}
		log.take()
		if _, err := app.RevokeDevice(ctx, env, again.Tokens.MinifiedJWT, laptopID); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{first.Session.ID: first.User.ID, again.Session.ID: first.User.ID}
		if got := revoked(); !maps.Equal(got, want) {
			t.Errorf("revoking ada's laptop: sessions heard revoked %v, want %v", got, want)
		}
		if err := app.RevokeAllDevices(ctx, env, bob.Tokens.MinifiedJWT); err != nil {
			t.Fatal(err)
		}
		// SessionID empty: every session of the user.
		if got, want := revoked(), map[string]string{"": bob.User.ID}; !maps.Equal(got, want) {
			t.Errorf("revoking bob's devices: sessions heard revoked %v, want %v", got, want)
		}
	}, func(c *dynamicauth.Config) {
		c.Mailer = box
		c.Hooks.AfterChange = log.hook
	})
}

// TestAfterChangeHearsEnvironmentsDeleted: deleting a project deletes
// its environments and every user in them in one statement; the hook
// hears each environment deleted once (EnvironmentDeleted with only
// EnvironmentID set), not each user, whether the delete came over the
// admin API or from Go. A refused delete is heard as nothing.
func TestAfterChangeHearsEnvironmentsDeleted(t *testing.T) {
	log := &changeLog{}
	onBothBackends(t, func(t *testing.T, app *dynamicauthtest.App) {
		ctx, ids := t.Context(), app.IDs
		heard := func(what string, want ...string) {
			t.Helper()
			var envs []string
			for _, c := range log.take() {
				if c != (dynamicauth.Change{Kind: dynamicauth.EnvironmentDeleted, EnvironmentID: c.EnvironmentID}) {
					t.Errorf("%s: heard %+v, want only EnvironmentDeleted", what, c)
				}
				envs = append(envs, c.EnvironmentID)
			}
			slices.Sort(envs)
			slices.Sort(want)
			if !slices.Equal(envs, want) {
				t.Errorf("%s: environments heard deleted %v, want %v", what, envs, want)
			}
		}
		other, err := app.Tenants().CreateProject(ctx, app.System, ids.OrganizationID, "other")
		if err != nil {
			t.Fatal(err)
		}
		envs, err := app.Tenants().ProjectEnvironments(ctx, app.System, other.ID)
		if err != nil || len(envs) != 2 {
			t.Fatalf("the new project's environments: %v, %v", envs, err)
		}
		dynamicauthtest.SignInWallet(t, app) // a user of the seeded sandbox
		log.take()

		stranger := dynamicauth.System("00000000-0000-0000-0000-000000000000")
		if err := app.Tenants().DeleteProject(ctx, stranger, ids.ProjectID); err == nil {
			t.Fatal("a principal of another organization deleted the project")
		}
		heard("a refused delete")
		if status, body := app.Do(t, "DELETE", "/api/v0/projects/"+other.ID, app.OwnerToken, nil); status != 204 {
			t.Fatalf("DELETE the other project: %d %s", status, body)
		}
		var otherEnvs []string
		for _, e := range envs {
			otherEnvs = append(otherEnvs, e.ID)
		}
		heard("a delete over the admin API", otherEnvs...)
		if status, _ := app.Do(t, "DELETE", "/api/v0/projects/"+other.ID, app.OwnerToken, nil); status != 404 {
			t.Fatalf("DELETE of a deleted project: %d", status)
		}
		heard("a delete of a deleted project")

		if err := app.Tenants().DeleteProject(ctx, app.System, ids.ProjectID); err != nil {
			t.Fatal(err)
		}
		heard("a delete from Go", ids.EnvironmentID, ids.LiveEnvironmentID)
	}, func(c *dynamicauth.Config) { c.Hooks.AfterChange = log.hook })
}
