package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/devices"
	"github.com/dynamicauth/dynamicauth/signin"
)

// Device registration (Dynamic's API version 2026_04_01, newer than the
// contract; the JS SDK's completeDeviceRegistration, getRegisteredDevices,
// revokeRegisteredDevice and revokeAllRegisteredDevices).

// deviceRegistrationToken is the approval link's token: the JS SDK sends
// it in x-dynamic-device-registration-token, Dynamic's API reference
// names x-dynamic-device-token-registration; both are read.
func deviceRegistrationToken(r *http.Request) string {
	if t := r.Header.Get("X-Dynamic-Device-Registration-Token"); t != "" {
		return t
	}
	return r.Header.Get("X-Dynamic-Device-Token-Registration")
}

// approveDevice answers POST deviceRegistration: VerifyResponse, the
// session's tokens without device:register.
func (s *Server) approveDevice(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	token := deviceRegistrationToken(r)
	if len(token) > 256 {
		return devices.ErrApprovalInvalid
	}
	res, err := s.signin.ApproveDevice(r.Context(), cur, token, s.issuerHost(r), r.Header.Get("Origin"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

type wireDeviceRegistration struct {
	ID              string `json:"id"`
	IsCurrentDevice bool   `json:"isCurrentDevice"`
	UserAgent       string `json:"userAgent,omitempty"`
	CreatedAt       string `json:"createdAt"`
}

// listDevices answers GET deviceRegistrations.
func (s *Server) listDevices(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if s.devices == nil {
		return devices.ErrDeviceNotFound
	}
	ds, err := s.devices.List(r.Context(), cur.Session.EnvironmentID, cur.User.ID, cur.Session.DeviceRegistrationID)
	if err != nil {
		return err
	}
	out := make([]wireDeviceRegistration, len(ds))
	for i, d := range ds {
		out[i] = wireDeviceRegistration{ID: d.ID, IsCurrentDevice: d.Current, UserAgent: d.UserAgent, CreatedAt: ts(d.CreatedAt)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(out), "deviceRegistrations": out})
	return nil
}

// revokeDevice answers DELETE deviceRegistrations/{deviceRegistrationId}.
func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if s.devices == nil {
		return devices.ErrDeviceNotFound
	}
	id, err := pathID(r, "deviceRegistrationId")
	if err != nil {
		return err
	}
	current, err := s.devices.Revoke(r.Context(), cur.Session.EnvironmentID, cur.User.ID, id, cur.Session.DeviceRegistrationID)
	if err != nil {
		return err
	}
	if current && cur.Cookie {
		s.clearSessionCookie(w, r)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"currentDeviceRevoked": current})
	return nil
}

// revokeAllDevices answers DELETE deviceRegistrations: every device and
// every session of the user, the caller's included.
func (s *Server) revokeAllDevices(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	if s.devices == nil {
		return devices.ErrDeviceNotFound
	}
	if err := s.devices.RevokeAll(r.Context(), cur.Session.EnvironmentID, cur.User.ID); err != nil {
		return err
	}
	if cur.Cookie {
		s.clearSessionCookie(w, r)
	}
	writeJSON(w, http.StatusOK, map[string]bool{"currentDeviceRevoked": true})
	return nil
}
