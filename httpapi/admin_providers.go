package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/errs"
	"github.com/dynamicauth/dynamicauth/social"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin Settings API of an environment's providers: social sign-in
// providers, and the email providers (sendgrid, resend) its codes are
// sent through, whose clientSecret is the API key and clientId the sender.

type wireProvider struct {
	ID                 string  `json:"id"`
	Provider           string  `json:"provider"`
	EnabledAt          *string `json:"enabledAt"`
	ClientID           string  `json:"clientId,omitempty"`
	ClientSecret       string  `json:"clientSecret,omitempty"` // masked: the secret never leaves sealed storage
	Scopes             string  `json:"scopes,omitempty"`
	AppleKeyID         string  `json:"appleKeyId,omitempty"`
	AppleTeamID        string  `json:"appleTeamId,omitempty"`
	Domain             string  `json:"domain,omitempty"`
	SendGridIPPoolName string  `json:"sendgridIpPoolName,omitempty"`
	BaseAuthURL        string  `json:"baseAuthUrl,omitempty"`
	RedirectURL        string  `json:"redirectUrl,omitempty"` // none for an email provider
	AuthorizationURL   string  `json:"authorizationUrl,omitempty"`
}

type providerBody struct {
	Provider           *string `json:"provider"`
	ClientID           *string `json:"clientId"`
	ClientSecret       *string `json:"clientSecret"`
	Scopes             *string `json:"scopes"`
	AppleKeyID         *string `json:"appleKeyId"`
	AppleTeamID        *string `json:"appleTeamId"`
	Domain             *string `json:"domain"`
	SendGridIPPoolName *string `json:"sendgridIpPoolName"`
}

func (b providerBody) input() social.ProviderInput {
	return social.ProviderInput{Type: b.Provider, ClientID: b.ClientID, ClientSecret: b.ClientSecret, Scopes: b.Scopes,
		AppleKeyID: b.AppleKeyID, AppleTeamID: b.AppleTeamID, Domain: b.Domain, SendGridIPPoolName: b.SendGridIPPoolName}
}

// providerRedirectURL is the callback an operator registers with the
// provider: this server's providers/{type}/redirect route.
func (s *Server) providerRedirectURL(r *http.Request, envID, typ string) string {
	return s.sdkURL(r, envID, "/providers/"+typ+"/redirect")
}

// sdkURL is the public URL of an SDK route of the environment.
func (s *Server) sdkURL(r *http.Request, envID, route string) string {
	host := s.issuerHost(r)
	if host == "" {
		host = r.Host
	}
	return schemeOf(host) + "://" + host + v0 + "/sdk/" + envID + route
}

func (s *Server) toProvider(r *http.Request, p *social.Provider) wireProvider {
	w := wireProvider{ID: p.ID, Provider: p.Type, EnabledAt: tsPtr(p.EnabledAt), ClientID: p.ClientID,
		ClientSecret: p.MaskedClientSecret, Scopes: p.Scopes, AppleKeyID: p.AppleKeyID, AppleTeamID: p.AppleTeamID,
		SendGridIPPoolName: p.SendGridIPPoolName}
	if social.IsEmailType(p.Type) {
		return w
	}
	w.RedirectURL = s.providerRedirectURL(r, p.EnvironmentID, p.Type)
	if d, ok := social.Describe(p.Type); ok {
		w.AuthorizationURL = d.AuthURL
	}
	if p.Type == social.Telegram { // the login widget's page, served here
		w.AuthorizationURL = s.sdkURL(r, p.EnvironmentID, "/telegram/auth")
	}
	return w
}

func (s *Server) providersService() (*social.Providers, error) {
	if s.providers == nil {
		return nil, errs.NotFound("not_found", "social providers are not enabled on this server")
	}
	return s.providers, nil
}

func (s *Server) listProviders(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	ps, err := svc.List(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireProvider, 0, len(ps))
	for i := range ps {
		out = append(out, s.toProvider(r, &ps[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"providers": out})
	return nil
}

func (s *Server) providerURLs(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	if _, err := svc.List(r.Context(), p, envID); err != nil { // reach check
		return err
	}
	type wireURL struct {
		Provider         string `json:"provider"`
		AuthorizationURL string `json:"authorizationUrl"`
		RedirectURL      string `json:"redirectUrl"`
	}
	out := []wireURL{}
	for _, typ := range social.SocialTypes { // an email provider has no redirect
		d, _ := social.Describe(typ)
		u := wireURL{Provider: typ, AuthorizationURL: d.AuthURL, RedirectURL: s.providerRedirectURL(r, envID, typ)}
		if typ == social.Telegram {
			u.AuthorizationURL = s.sdkURL(r, envID, "/telegram/auth")
		}
		out = append(out, u)
	}
	writeJSON(w, http.StatusOK, map[string]any{"providerUrls": out})
	return nil
}

func (s *Server) createProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var body providerBody
	if err := s.decode(w, r, "ProviderCreateRequest", &body); err != nil {
		return err
	}
	pr, err := svc.Create(r.Context(), p, envID, body.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toProvider(r, pr))
	return nil
}

func (s *Server) getProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "providerId")
	if err != nil {
		return err
	}
	pr, err := svc.Get(r.Context(), p, id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toProvider(r, pr))
	return nil
}

func (s *Server) updateProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "providerId")
	if err != nil {
		return err
	}
	var body providerBody
	if err := s.decode(w, r, "ProviderUpdateRequest", &body); err != nil {
		return err
	}
	pr, err := svc.Update(r.Context(), p, id, body.input())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toProvider(r, pr))
	return nil
}

func (s *Server) setProviderEnabled(enabled bool) func(http.ResponseWriter, *http.Request, *tenant.Principal) error {
	return func(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
		svc, err := s.providersService()
		if err != nil {
			return err
		}
		id, err := pathID(r, "providerId")
		if err != nil {
			return err
		}
		pr, err := svc.SetEnabled(r.Context(), p, id, enabled)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.toProvider(r, pr))
		return nil
	}
}

func (s *Server) deleteProvider(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	svc, err := s.providersService()
	if err != nil {
		return err
	}
	id, err := pathID(r, "providerId")
	if err != nil {
		return err
	}
	if err := svc.Delete(r.Context(), p, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
