package httpapi

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"regexp"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/signin"
	"github.com/dynamicauth/dynamicauth/social"
)

// Telegram sign-in (telegram/*). Dynamic's SDK announces a state with
// providers/telegram/initAuth and opens the provider's authorizationUrl,
// telegram/auth?state=…, in a popup. That page shows Telegram's login
// widget; the widget's data is posted to telegram/auth, checked against
// the environment's bot and used once, and the popup hands the state's
// code to the application that opened it (window message
// telegram_completed) only if that application is an allowed origin.
// telegram/signin or /verify then trade state and code for the user. A
// Telegram Mini App posts its bot-signed telegramAuthToken instead.

// telegramOpenerHeader carries, from the popup page to telegram/auth, the
// origin of the page that opened it, as the browser reported it.
const telegramOpenerHeader = "X-Dynamicauth-Opener-Origin"

// telegramCodeHeader answers the popup page with the state's code.
const telegramCodeHeader = "X-Dynamicauth-Telegram-Code"

// botName is what Telegram allows in a bot's username.
var botName = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

var telegramPage = template.Must(template.New("telegram").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Sign in with Telegram</title></head>
<body style="font-family:system-ui,sans-serif;text-align:center;padding-top:3em">
<p id="msg">Sign in with your Telegram account.</p>
<script nonce="{{.Nonce}}">
(function () {
  var cfg = {{.Config}};
  var msg = document.getElementById("msg");
  function fail(text) { msg.textContent = "Sign-in was not completed: " + text; }
  function openerOrigin() {
    return new Promise(function (resolve, reject) {
      if (!window.opener) { resolve(""); return; }
      var timer = setTimeout(function () { reject(new Error("the application did not answer")); }, 10000);
      window.addEventListener("message", function h(e) {
        if (e.source !== window.opener || e.data !== "origin_check_response") return;
        if (cfg.origin && e.origin !== cfg.origin) return;
        clearTimeout(timer); window.removeEventListener("message", h); resolve(e.origin);
      });
      window.opener.postMessage({ type: "origin_check" }, cfg.origin || "*");
    });
  }
  window.onTelegramAuth = function (user) {
    var origin = "";
    openerOrigin().then(function (o) {
      origin = o;
      var headers = { "Content-Type": "application/json" };
      if (origin) headers[cfg.openerHeader] = origin;
      var u = { id: user.id, hash: user.hash, authDate: String(user.auth_date) };
      if (user.first_name) u.firstName = user.first_name;
      if (user.last_name) u.lastName = user.last_name;
      if (user.username) u.username = user.username;
      if (user.photo_url) u.photoURL = user.photo_url;
      return fetch(cfg.post, { method: "POST", headers: headers, body: JSON.stringify({ state: cfg.state, telegramUser: u }) });
    }).then(function (r) {
      if (r.status !== 204) return r.json().then(function (b) { throw new Error(b.error || ("status " + r.status)); });
      var code = r.headers.get(cfg.codeHeader);
      if (!code) throw new Error("no application to return to");
      if (origin) {
        window.opener.postMessage({ type: "telegram_completed", code: code, state: cfg.state }, origin);
        msg.textContent = "Signed in: you can close this window.";
        window.close();
        return;
      }
      var back = new URL(cfg.returnUrl);
      back.searchParams.set("dynamicOauthState", cfg.state);
      back.searchParams.set("dynamicOauthCode", code);
      window.location.assign(back.toString());
    }).catch(function (e) { fail(e.message); });
  };
})();
</script>
<script async src="https://telegram.org/js/telegram-widget.js?22" data-telegram-login="{{.Bot}}" data-size="large"
 data-request-access="write" data-onauth="onTelegramAuth(user)"></script>
</body></html>
`))

// telegramAuthPage shows Telegram's login widget for a login state. Its
// origin_check goes to the origin that announced the login (initAuth's
// Origin), and its answer is taken from that origin only. A login no
// origin announced (an initAuth without Origin) asks any opener ("*"):
// the question carries nothing but its type, and the answer decides
// nothing alone, since the code goes only to the answering origin, once
// the server found it among the environment's origins (TelegramWidget).
func (s *Server) telegramAuthPage(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	state := r.URL.Query().Get("state")
	pg, err := s.signin.TelegramPage(r.Context(), envID, state)
	if err != nil {
		return err
	}
	if !botName.MatchString(pg.Bot) {
		return errs.Unprocessable("provider_not_available", "the Telegram provider's clientId must be the bot's username", nil)
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	data := struct {
		Nonce, Bot string
		Config     map[string]string
	}{Nonce: base64.RawStdEncoding.EncodeToString(nonce), Bot: pg.Bot, Config: map[string]string{
		"state": state, "returnUrl": pg.ReturnURL, "origin": pg.Origin, "post": v0 + "/sdk/" + envID + "/telegram/auth",
		"openerHeader": telegramOpenerHeader, "codeHeader": telegramCodeHeader}}
	var buf bytes.Buffer
	if err := telegramPage.Execute(&buf, data); err != nil {
		return errs.Internal("telegram page", err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+data.Nonce+"' https://telegram.org; "+
		"frame-src https://oauth.telegram.org; connect-src 'self'; img-src https: data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// telegramAuthPost checks the widget's data for a login state (204); the
// popup page learns the state's code from a header (see TelegramWidget).
func (s *Server) telegramAuthPost(w http.ResponseWriter, r *http.Request) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var body struct {
		State        string              `json:"state"`
		TelegramUser social.TelegramUser `json:"telegramUser"`
	}
	if err := s.decode(w, r, "TelegramPostRequest", &body); err != nil {
		return err
	}
	code, err := s.signin.TelegramWidget(r.Context(), envID, body.State, r.Header.Get(telegramOpenerHeader), body.TelegramUser)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	if code != "" {
		w.Header().Set(telegramCodeHeader, code)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// telegramRequest decodes an OauthResultRequest of a Telegram login, and
// its captchaToken.
func (s *Server) telegramRequest(w http.ResponseWriter, r *http.Request) (signin.TelegramRequest, string, error) {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return signin.TelegramRequest{}, "", err
	}
	var body struct {
		State             string `json:"state"`
		Code              string `json:"code"`
		TelegramAuthToken string `json:"telegramAuthToken"`
		SessionPublicKey  string `json:"sessionPublicKey"`
		CaptchaToken      string `json:"captchaToken"`
	}
	if err := s.decode(w, r, "OauthResultRequest", &body); err != nil {
		return signin.TelegramRequest{}, "", err
	}
	if len(body.Code) > 4096 || len(body.State) > 256 {
		return signin.TelegramRequest{}, "", errs.Invalid("state, code: too long")
	}
	if body.TelegramAuthToken == "" && (body.State == "" || body.Code == "") {
		return signin.TelegramRequest{}, "", errs.Invalid("state and code, or telegramAuthToken, are required")
	}
	sessionKey := body.SessionPublicKey
	if sessionKey == "" {
		sessionKey = r.Header.Get("X-Dyn-Session-Public-Key")
	}
	device, err := deviceProof(r)
	if err != nil {
		return signin.TelegramRequest{}, "", err
	}
	return signin.TelegramRequest{EnvironmentID: envID, State: body.State, Code: body.Code, AuthToken: body.TelegramAuthToken,
		SessionPublicKey: sessionKey, Device: device, IssuerHost: s.issuerHost(r), Origin: r.Header.Get("Origin"), IP: s.clientIP(r),
		UserAgent: truncateUA(r.UserAgent())}, body.CaptchaToken, nil
}

func (s *Server) telegramSignIn(w http.ResponseWriter, r *http.Request) error {
	req, captchaToken, err := s.telegramRequest(w, r)
	if err != nil {
		return err
	}
	if err := s.checkCaptcha(r, req.EnvironmentID, captchaToken); err != nil {
		return err
	}
	res, err := s.signin.TelegramSignIn(r.Context(), req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}

// telegramCheck answers POST /sdk/{environmentId}/checkTelegramAuth: 204
// when a user signs in with the login's Telegram account (a Mini App's
// isAuthWithTelegram), 404 user_not_found when none does. The login is
// not used up.
func (s *Server) telegramCheck(w http.ResponseWriter, r *http.Request) error {
	req, _, err := s.telegramRequest(w, r)
	if err != nil {
		return err
	}
	if err := s.signin.TelegramCheck(r.Context(), req); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) telegramVerify(w http.ResponseWriter, r *http.Request, cur *signin.Current) error {
	req, _, err := s.telegramRequest(w, r)
	if err != nil {
		return err
	}
	res, err := s.signin.TelegramLink(r.Context(), cur, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.verifyResponse(w, r, res))
	return nil
}
