package httpapi

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"

	"github.com/dynamicauth/dynamicauth/social"
)

// The last page of a popup login (no return URL). Dynamic's widget, with
// its popup strategy, opens the provider in a popup and waits for the
// popup's message rather than polling oauthResult: it answers
// {type: 'origin_check'} with 'origin_check_response', then takes
// {type: 'authorization_response', provider, code, state} (or error in
// place of code) from the origin of the settings' redirectUrl, which is
// this page's. The page sends them to the origin that announced the
// login (initAuth's Origin) when the environment allows it, by the rule
// CORS uses, and to no other: the browser delivers a message to the
// opener only if it is at that origin. A login no allowed origin
// announced (a client polling oauthResult) gets the page without script.

// popupEnd writes the popup's page for the login st, which the provider
// completed with code or refused with providerError (a known OAuth code).
func (s *Server) popupEnd(w http.ResponseWriter, r *http.Request, st *social.State, code, providerError string) error {
	msg := "Sign-in complete: you can close this window."
	message := map[string]string{"type": "authorization_response", "provider": st.Provider, "state": st.ID}
	if providerError != "" { // a known code on the page, never the provider's text
		msg, message["error"] = notCompleted(providerError), providerError
	} else {
		message["code"] = code
	}
	if st.Origin == "" {
		writePage(w, http.StatusOK, msg)
		return nil
	}
	ok, err := s.originAllowed(r.Context(), st.EnvironmentID, st.Origin)
	if err != nil {
		return fmt.Errorf("popup page: the login's origin: %w", err)
	}
	if !ok {
		writePage(w, http.StatusOK, msg)
		return nil
	}
	return writePopupPage(w, msg, st.Origin, message)
}

// popupScript answers the widget's handshake (the opener's
// origin_check_response, from d.origin only) with d.message, posted to
// d.origin only, then closes the popup. %s is the data line.
const popupScript = `(function () {
"use strict";
var d = %s;
var opener = window.opener;
if (!opener) { return; }
window.addEventListener("message", function (e) {
  if (e.source !== opener || e.origin !== d.origin || e.data !== "origin_check_response") { return; }
  opener.postMessage(d.message, d.origin);
  window.close();
});
opener.postMessage({type: "origin_check"}, d.origin);
})();`

// writePopupPage is writePage with popupScript, allowed by a nonce of
// its own: nothing else runs, loads or submits. The data are JSON with
// <, >, & and the line separators escaped (encoding/json's default), so
// nothing in them (a provider's code) ends the script or the line.
func writePopupPage(w http.ResponseWriter, msg, origin string, message map[string]string) error {
	data, err := json.Marshal(struct {
		Origin  string            `json:"origin"`
		Message map[string]string `json:"message"`
	}{origin, message})
	if err != nil {
		return fmt.Errorf("popup page: %w", err)
	}
	nonce := base64.StdEncoding.EncodeToString(randomBytes(18))
	writeHTML(w, http.StatusOK, "'nonce-"+nonce+"'", "",
		"<p>"+html.EscapeString(msg)+`</p><script nonce="`+nonce+`">`+fmt.Sprintf(popupScript, data)+"</script>")
	return nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}
