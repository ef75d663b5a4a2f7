package httpapi

import (
	"net/http"

	"github.com/dynamicauth/dynamicauth/envconfig"
	"github.com/dynamicauth/dynamicauth/tenant"
)

// The admin CustomHostnames group. A hostname is pending until the
// operator verifies it (Go: EnvConfig().VerifyHostname; CLI: dynamicauth
// hostnames verify); only then does it name the JWT issuer and count as
// an allowed origin.

type wireDNSRecord struct {
	DNSRecordType    string `json:"dnsRecordType"`
	VerificationType string `json:"verificationType"`
	Name             string `json:"name"`
	Value            string `json:"value"`
}

type wireHostname struct {
	ID                  string          `json:"id"`
	Hostname            string          `json:"hostname"`
	Usage               string          `json:"usage"`
	Status              string          `json:"status"`
	VerificationRecords []wireDNSRecord `json:"verificationRecords"`
	Errors              string          `json:"errors,omitempty"`
}

func (s *Server) toHostname(h *envconfig.Hostname) wireHostname {
	out := wireHostname{ID: h.ID, Hostname: h.Hostname, Usage: h.Usage, Status: h.Status, VerificationRecords: []wireDNSRecord{}}
	for _, rec := range h.Records(s.publicHost) {
		out.VerificationRecords = append(out.VerificationRecords, wireDNSRecord{DNSRecordType: rec.DNSRecordType,
			VerificationType: rec.VerificationType, Name: rec.Name, Value: rec.Value})
	}
	if h.Status == envconfig.HostnameError {
		out.Errors = "the operator marked this hostname's DNS records as not pointing to this server"
	}
	return out
}

func (s *Server) listHostnames(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	hs, err := s.envconfig.AdminHostnames(r.Context(), p, envID)
	if err != nil {
		return err
	}
	out := make([]wireHostname, 0, len(hs))
	for i := range hs {
		out = append(out, s.toHostname(&hs[i]))
	}
	writeJSON(w, http.StatusOK, map[string]any{"customHostnames": out})
	return nil
}

func (s *Server) createHostname(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	var req struct {
		Hostname string `json:"hostname"`
		Usage    string `json:"usage"`
	}
	if err := s.decode(w, r, "CustomHostnameCreateRequest", &req); err != nil {
		return err
	}
	h, err := s.envconfig.AdminAddHostname(r.Context(), p, envID, req.Hostname, req.Usage)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.toHostname(h))
	return nil
}

func (s *Server) deleteHostname(w http.ResponseWriter, r *http.Request, p *tenant.Principal) error {
	envID, err := pathID(r, "environmentId")
	if err != nil {
		return err
	}
	id, err := pathID(r, "customHostnameId")
	if err != nil {
		return err
	}
	if err := s.envconfig.AdminDeleteHostname(r.Context(), p, envID, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
