package devices

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/dynamicauth/dynamicauth/delivery"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// Deps are what a Service is built from; Store is required.
type Deps struct {
	Store Store
	// Mailer sends approval links; nil: none can be sent (logged).
	Mailer delivery.Mailer
	Logger *slog.Logger
	Now    func() time.Time
}

// Service lists and revokes a user's devices and sends approval links;
// approving one is package signin's (it re-issues the session's tokens).
type Service struct{ d Deps }

// NewService builds the service.
func NewService(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// Listed is a device as its user sees it.
type Listed struct {
	Device
	// Current: the caller's session is tied to this device.
	Current bool
}

// List returns the user's registered devices, oldest first; currentID is
// the caller's session's device ("" if none).
func (s *Service) List(ctx context.Context, envID, userID, currentID string) ([]Listed, error) {
	ds, err := s.d.Store.ListDevices(ctx, envID, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Listed, len(ds))
	for i, d := range ds {
		out[i] = Listed{Device: d, Current: currentID != "" && d.ID == currentID}
	}
	return out, nil
}

// Approve applies a followed approval link (the store's ApproveDevice);
// it returns the registered device's id.
func (s *Service) Approve(ctx context.Context, a Approve) (string, error) {
	return s.d.Store.ApproveDevice(ctx, a)
}

// Revoke deletes one of the user's devices and revokes its sessions. It
// reports whether that was the caller's (currentID), whose session then
// ended too.
func (s *Service) Revoke(ctx context.Context, envID, userID, deviceID, currentID string) (bool, error) {
	if _, err := s.d.Store.RevokeDevice(ctx, envID, userID, deviceID, s.now()); err != nil {
		return false, err
	}
	return currentID != "" && deviceID == currentID, nil
}

// RevokeAll deletes all the user's devices and revokes all the user's
// sessions, the caller's included.
func (s *Service) RevokeAll(ctx context.Context, envID, userID string) error {
	return s.d.Store.RevokeAllDevices(ctx, envID, userID, s.now())
}

// PurgeExpiredApprovals forgets approvals past their lifetime.
func (s *Service) PurgeExpiredApprovals(ctx context.Context) (int64, error) {
	return s.d.Store.DeleteExpiredApprovals(ctx, s.now())
}

// Link is the approval link: the app's page the sign-in came from when it
// is one of the environment's origins, else the environment's first
// origin, with deviceRegistrationToken added to its query (where the JS
// SDK's getDeviceRegistrationTokenFromUrl reads it). Never a page the
// request names on its own: the link carries the token, and an
// attacker's Origin would receive it. "" when the environment has none.
func Link(env *tenant.Environment, origins []tenant.Origin, origin, token string) string {
	base := ""
	if norm, err := tenant.NormalizeOrigin(origin); err == nil && tenant.OriginListed(origins, env, norm) {
		base = norm
	} else if len(origins) > 0 {
		base = origins[0].Origin
	}
	if base == "" {
		return ""
	}
	u, err := url.Parse(base)
	if err != nil {
		return ""
	}
	if u.Path == "" {
		u.Path = "/"
	}
	q := u.Query()
	q.Set("deviceRegistrationToken", token)
	u.RawQuery = q.Encode()
	return u.String()
}

// SendApproval emails the approval link of a sign-in to the user. A
// failure is logged, not returned: the sign-in stands, restricted, and
// signing in again sends a new link.
func (s *Service) SendApproval(ctx context.Context, envID, project, to, link, token, userAgent string) {
	log := s.d.Logger.With("environment_id", envID)
	if link == "" {
		log.WarnContext(ctx, "device registration: no approval link can be made: add an allowed origin to the environment")
		return
	}
	if s.d.Mailer == nil {
		log.WarnContext(ctx, "device registration: no mailer is configured: the approval link cannot be sent")
		return
	}
	device := describeDevice(userAgent)
	text := fmt.Sprintf(`Someone signed in to your %s account from a new device:

    %s

If it was you, open this link in the same browser to approve the device (it works once, within %d minutes):

    %s

If it was not you, do not open the link: the new device stays locked out.
`, project, device, int(ApprovalTTL/time.Minute), link)
	m := delivery.Email{EnvironmentID: envID, To: to, Subject: "Approve your new device for " + project, Text: text,
		HTML: approvalHTML(project, device, link), Code: token}
	if err := s.d.Mailer.SendEmail(ctx, m); err != nil {
		log.WarnContext(ctx, "device registration: sending the approval link failed; the user can sign in again for a new one", "err", err)
	}
}

func approvalHTML(project, device, link string) string {
	return fmt.Sprintf(`<p>Someone signed in to your %s account from a new device:</p>
<p><b>%s</b></p>
<p>If it was you, <a href="%s">approve the device</a> in the same browser (the link works once, within %d minutes).</p>
<p>If it was not you, do not open the link: the new device stays locked out.</p>
`, html.EscapeString(project), html.EscapeString(device), html.EscapeString(link), int(ApprovalTTL/time.Minute))
}

func (s *Service) now() time.Time { return s.d.Now().UTC().Truncate(time.Millisecond) }

// describeDevice names a sign-in's device for its owner's approval email
// by the browser and system its user agent names ("Chrome on macOS").
// The user agent is the signing-in client's own text and the email goes
// to the account's owner, who trusts it: none of that text is copied in,
// or a client could write its own sentence and link into the email.
func describeDevice(userAgent string) string {
	// Order matters: Edge and Opera name Chrome, Chrome names Safari;
	// iOS names Mac OS X, Android names Linux.
	browsers := []struct{ token, name string }{{"Edg", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"},
		{"FxiOS/", "Firefox"}, {"CriOS/", "Chrome"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"}}
	systems := []struct{ token, name string }{{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"},
		{"Windows", "Windows"}, {"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"}}
	find := func(list []struct{ token, name string }) string {
		for _, c := range list {
			if strings.Contains(userAgent, c.token) {
				return c.name
			}
		}
		return ""
	}
	browser, system := find(browsers), find(systems)
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return "a browser on " + system
	}
	return "an unrecognised device"
}
