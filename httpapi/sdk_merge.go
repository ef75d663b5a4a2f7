package httpapi

import (
	"errors"
	"maps"
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
)

// wireMergeUser is the contract's MergeUser.
type wireMergeUser struct {
	UserID string `json:"userId"`
	Value  string `json:"value"`
}

// wireMergeConflict is the contract's MergeUserConflict.
type wireMergeConflict struct {
	Field       wireKyc       `json:"field"`
	FromUser    wireMergeUser `json:"fromUser"`
	CurrentUser wireMergeUser `json:"currentUser"`
}

// wireMergeConflicts is the contract's MergeConflicts.
type wireMergeConflicts struct {
	FromUser  wireSDKUser         `json:"fromUser"`
	Conflicts []wireMergeConflict `json:"conflicts"`
}

func toWireMergeConflicts(mc *signin.MergeConflicts) wireMergeConflicts {
	out := wireMergeConflicts{FromUser: toProfileUser(mc.FromUser, ""), Conflicts: make([]wireMergeConflict, 0, len(mc.Conflicts))}
	for _, c := range mc.Conflicts {
		out.Conflicts = append(out.Conflicts, wireMergeConflict{Field: toWireKyc(c.Field),
			FromUser:    wireMergeUser{UserID: c.FromUser.UserID, Value: c.FromUser.Value},
			CurrentUser: wireMergeUser{UserID: c.CurrentUser.UserID, Value: c.CurrentUser.Value}})
	}
	return out
}

// mergeError renders payload.mergeConflicts of merge_accounts_confirmation
// as the contract's MergeConflicts (SdkUser and all).
func mergeError(err error) error {
	var e *errs.E
	if !errors.As(err, &e) || e.Code != signin.CodeMergeConfirmation {
		return err
	}
	mc, ok := e.Payload["mergeConflicts"].(*signin.MergeConflicts)
	if !ok || mc == nil {
		return err
	}
	out := *e
	out.Payload = maps.Clone(e.Payload)
	out.Payload["mergeConflicts"] = toWireMergeConflicts(mc)
	return &out
}

// withMergeConflicts wraps an SDK route that may answer
// merge_accounts_confirmation (linking a wallet of another account).
func (s *Server) withMergeConflicts(h func(http.ResponseWriter, *http.Request, *signin.Current) error) func(http.ResponseWriter, *http.Request, *signin.Current) error {
	return func(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
		return mergeError(h(w, r, cur))
	}
}

// verifyMerge answers POST /sdk/{environmentId}/verify/merge: the caller's
// pending merge, with a resolution for each conflicting field.
func (s *Server) verifyMerge(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	var body struct {
		MergeUserResolutions []struct {
			UserID   string `json:"userId"`
			FieldKey string `json:"fieldKey"`
			Type     string `json:"type"`
		} `json:"mergeUserResolutions"`
	}
	if err := s.decode(w, r, "MergeUserConflictResolutions", &body); err != nil {
		return err
	}
	device, err := deviceProof(r)
	if err != nil {
		return err
	}
	req := signin.MergeRequest{Device: device, IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin")}
	for _, m := range body.MergeUserResolutions {
		req.Resolutions = append(req.Resolutions, signin.MergeResolution{UserID: m.UserID, FieldKey: m.FieldKey, Type: m.Type})
	}
	res, err := s.signin.MergeAccounts(r.Context(), cur, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// mergeUsers answers POST /sdk/{environmentId}/users/merge: the caller's
// pending merge, or a merge with another account that verified the same
// email address (signin.MergeUsers). The request has no body.
func (s *Server) mergeUsers(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	res, err := s.signin.MergeUsers(r.Context(), cur, s.issuerHost(r), r.Header.Get("Origin"))
	if err != nil {
		return mergeError(err)
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}
