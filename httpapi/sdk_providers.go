package httpapi

import (
	"html"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
)

// The SDK's social sign-in (providers/*). Dynamic's SDK builds the
// authorize URL from the settings and announces its state with initAuth;
// the provider sends the browser to providers/{type}/redirect, which
// records the code for that state and sends the browser back to the
// application with dynamicOauthCode and dynamicOauthState; the SDK then
// calls signIn (or verify, to link) with state, code and its PKCE
// verifier. loginUrl is the same login with the URL built here (state,
// PKCE and nonce kept server-side), for clients that poll oauthResult.

// providerType reads the path's provider type: one this server signs in
// with, else 404 as for an unknown route.
func providerType(r *http.Request) (string, error) {
	t := r.PathValue("providerType")
	if !slices.Contains(social.Types(), t) || t == social.OIDC {
		return "", errs.NotFound("provider_not_available", "no social sign-in with this provider type")
	}
	return t, nil
}

func (s *Server) oauthLoginURL(w http.ResponseWriter, r *http.Request) error {
	u, err := s.newProviderLogin(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u})
	return nil
}

// oauthLogin sends the browser straight to the provider (GET …/login).
func (s *Server) oauthLogin(w http.ResponseWriter, r *http.Request) error {
	u, err := s.newProviderLogin(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}

// newProviderLogin starts a login with the path's provider, returning the
// provider's authorization URL (loginUrl and login answer it two ways).
func (s *Server) newProviderLogin(r *http.Request) (string, error) {
	envID, typ, err := s.providerPath(r)
	if err != nil {
		return "", err
	}
	st, err := s.signin.OAuthLoginURL(r.Context(), envID, typ, s.providerRedirectURL(r, envID, typ), "", "", "")
	if err != nil {
		return "", err
	}
	return st.URL, nil
}

// oauthAuthorizeHtml answers GET …/authorizeHtml, the page Dynamic's SDK
// opens on mobile (Apple) in place of the provider's authorize URL: the
// same login as loginUrl, under the SDK's state when it names one, and a
// page that sends the browser on to the provider. redirect_uri is this
// server's callback (as the SDK sends it) or the application's page to
// come back to, which must be an allowed origin or deeplink of the
// environment. scope is not taken: the login asks for the provider's
// configured scopes.
func (s *Server) oauthAuthorizeHtml(w http.ResponseWriter, r *http.Request) error {
	envID, typ, err := s.providerPath(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	callback := s.providerRedirectURL(r, envID, typ)
	returnURL := q.Get("redirect_uri")
	if returnURL == callback {
		returnURL = ""
	}
	st, err := s.signin.OAuthLoginURL(r.Context(), envID, typ, callback, q.Get("state"), "", returnURL)
	if err != nil {
		return err
	}
	// No script: a refresh and a link, the URL escaped for an attribute.
	target := html.EscapeString(st.URL)
	writeHTML(w, http.StatusOK, "", `<meta http-equiv="refresh" content="0;url=`+target+`">`,
		`<p><a href="`+target+`">Continue to sign in</a></p>`)
	return nil
}

func (s *Server) providerPath(r *http.Request) (envID, typ string, err error) {
	if envID, err = pathID(r, "environmentId"); err != nil {
		return "", "", err
	}
	typ, err = providerType(r)
	return envID, typ, err
}

func (s *Server) oauthInitAuth(w http.ResponseWriter, r *http.Request) error {
	envID, typ, err := s.providerPath(r)
	if r.PathValue("providerType") == social.Telegram { // the SDK's Telegram popup starts here too
		typ = social.Telegram
		envID, err = pathID(r, "environmentId")
	}
	if err != nil {
		return err
	}
	var body struct {
		State       string `json:"state"`
		RedirectURL string `json:"redirectUrl"`
	}
	if err := s.decode(w, r, "OauthInitAuthRequest", &body); err != nil {
		return err
	}
	if err := s.signin.OAuthInit(r.Context(), envID, typ, s.providerRedirectURL(r, envID, typ), body.State, body.RedirectURL,
		r.Header.Get("Origin")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// oauthRedirect is the callback registered with the provider (GET, and
// Apple's form POST): the code is recorded for its state and the browser
// goes back to the application.
func (s *Server) oauthRedirect(provider string) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		envID, err := pathID(r, "environmentId")
		if err != nil {
			return err
		}
		typ := provider
		if typ == "" {
			if typ, err = providerType(r); err != nil {
				return err
			}
		} else if typ == "*" { // cbOauthRedirectUrl: the state names the provider
			typ = ""
		}
		q := r.URL.Query()
		userName := ""
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, s.maxBody)
			if err := r.ParseForm(); err != nil {
				return errs.Invalid("body: a form is required")
			}
			q = r.PostForm
			for _, vs := range q {
				for _, v := range vs {
					if strings.IndexByte(v, 0) >= 0 {
						return errNUL
					}
				}
			}
			if userName, err = social.ParseAppleUser(q.Get("user")); err != nil {
				userName = ""
			}
		}
		state, code, perr := q.Get("state"), q.Get("code"), q.Get("error")
		if perr != "" || code == "" {
			if perr == "" {
				perr = "missing_code"
			}
			st, err := s.signin.OAuthRefuse(r.Context(), envID, typ, state, perr)
			if err != nil {
				return &providerError{code: perr, err: err} // its page shows a fixed message, never perr
			}
			// What was stored (st.Error), not what was sent: an OAuth error
			// code, or provider_error for any other text (social's Refuse),
			// so the application and the popup's opener read no text anyone
			// put in the redirect's error.
			return s.backToApp(w, r, st, url.Values{"dynamicOauthState": {state}, "dynamicOauthError": {st.Error}})
		}
		st, err := s.signin.OAuthDeliver(r.Context(), envID, typ, state, code, userName)
		if err != nil {
			return err
		}
		return s.backToApp(w, r, st, url.Values{"dynamicOauthState": {state}, "dynamicOauthCode": {code}})
	}
}

// backToApp sends the browser to the login's return URL with params; a
// login without one (a popup: Dynamic's widget, or a client polling
// oauthResult) ends on a page of its own (popupEnd).
func (s *Server) backToApp(w http.ResponseWriter, r *http.Request, st *social.State, params url.Values) error {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if st.ReturnURL == "" {
		return s.popupEnd(w, r, st, params.Get("dynamicOauthCode"), params.Get("dynamicOauthError"))
	}
	u, err := url.Parse(st.ReturnURL)
	if err != nil {
		return errs.Invalid("state: unusable return URL")
	}
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	// 303: Apple's form POST becomes a GET of the application's page.
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
	return nil
}

func (s *Server) oauthResult(w http.ResponseWriter, r *http.Request) error {
	envID, typ, err := s.providerPath(r)
	if err != nil {
		return err
	}
	var body struct {
		State string `json:"state"`
	}
	if err := s.decode(w, r, "OauthResultRequest", &body); err != nil {
		return err
	}
	st, err := s.signin.OAuthState(r.Context(), envID, typ, body.State)
	if err != nil {
		return err
	}
	if st.Error != "" { // the provider refused: the login is over, without a code
		writeJSON(w, http.StatusOK, map[string]string{"status": "completed", "error": st.Error})
		return nil
	}
	if st.Code == "" {
		writeJSON(w, http.StatusOK, map[string]string{"status": "pending"})
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "completed", "code": st.Code})
	return nil
}

// oauthRequest reads an OauthRequest, and its captchaToken.
func (s *Server) oauthRequest(w http.ResponseWriter, r *http.Request) (signin.OAuthRequest, string, error) {
	envID, typ, err := s.providerPath(r)
	if err != nil {
		return signin.OAuthRequest{}, "", err
	}
	var body struct {
		State            string   `json:"state"`
		Code             string   `json:"code"`
		CodeVerifier     string   `json:"codeVerifier"`
		SessionPublicKey string   `json:"sessionPublicKey"`
		CaptchaToken     string   `json:"captchaToken"`
		RequestedScopes  []string `json:"requestedScopes"`
	}
	if err := s.decode(w, r, "OauthRequest", &body); err != nil {
		return signin.OAuthRequest{}, "", err
	}
	if len(body.Code) > 4096 || len(body.CodeVerifier) > 128 {
		return signin.OAuthRequest{}, "", errs.Invalid("code, codeVerifier: too long")
	}
	sessionKey := body.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	device, err := deviceProof(r)
	if err != nil {
		return signin.OAuthRequest{}, "", err
	}
	return signin.OAuthRequest{EnvironmentID: envID, Provider: typ, RedirectURL: s.providerRedirectURL(r, envID, typ),
			State: body.State, Code: body.Code, CodeVerifier: body.CodeVerifier, SessionPublicKey: sessionKey, Device: device,
			IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin"), IP: s.clientIP(r), UserAgent: truncateUA(r.UserAgent()),
			Scopes: body.RequestedScopes},
		body.CaptchaToken, nil
}

func (s *Server) oauthSignIn(w http.ResponseWriter, r *http.Request) error {
	req, captchaToken, err := s.oauthRequest(w, r)
	if err != nil {
		return err
	}
	if err := s.checkCaptcha(r, req.EnvironmentID, captchaToken); err != nil {
		return err
	}
	res, err := s.signin.OAuthSignIn(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

func (s *Server) oauthVerify(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	req, _, err := s.oauthRequest(w, r)
	if err != nil {
		return err
	}
	res, err := s.signin.OAuthLink(r.Context(), cur, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}
