package discovery

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/oidc/oauth2err"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/routes"
)

// Handler serves discovery and JWKS as precomputed responses (bytes,
// ETag, headers), so each costs what a static file does.
type Handler struct {
	P *provider.Provider

	// doc never changes while the server runs: made on first use.
	doc  sync.Once
	docR *httpx.Static
	// jwks is rebuilt when the key set's bytes change (a rotation or a
	// reload that found other keys).
	jwksR atomic.Pointer[httpx.Static]
}

// Mount registers the routes.
func (h *Handler) Mount(m httpx.Mux) {
	m.Handle("GET "+routes.Discovery, httpx.CORS(http.HandlerFunc(h.discovery)))
	m.Handle("GET "+routes.ASMetadata, httpx.CORS(http.HandlerFunc(h.discovery)))
	m.Handle("GET "+routes.JWKS, httpx.CORS(http.HandlerFunc(h.jwks)))
}

// Metadata is the discovery document. Only what Sesame implements is
// advertised.
type Metadata struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	IntrospectionEndpoint             string   `json:"introspection_endpoint"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	ACRValuesSupported                []string `json:"acr_values_supported"`
	ClaimTypesSupported               []string `json:"claim_types_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported"`
	AuthorizationResponseISSSupported bool     `json:"authorization_response_iss_parameter_supported"`
	ClaimsParameterSupported          bool     `json:"claims_parameter_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	BackchannelLogoutSupported        bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported bool     `json:"backchannel_logout_session_supported"`
	FrontchannelLogoutSupported       bool     `json:"frontchannel_logout_supported"`
}

// Document builds the metadata for p.
func Document(p *provider.Provider) Metadata {
	return Metadata{
		Issuer:                            p.Issuer,
		AuthorizationEndpoint:             p.URL(routes.Authorize),
		TokenEndpoint:                     p.URL(routes.Token),
		UserinfoEndpoint:                  p.URL(routes.Userinfo),
		JWKSURI:                           p.URL(routes.JWKS),
		EndSessionEndpoint:                p.URL(routes.EndSession),
		RevocationEndpoint:                p.URL(routes.Revocation),
		IntrospectionEndpoint:             p.URL(routes.Introspection),
		ScopesSupported:                   oauth2.OIDCScopes,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query", "form_post"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token", "client_credentials"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  p.Keys.Algs(),
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic", "client_secret_post", "none"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		ClaimsSupported:                   provider.ClaimsSupported,
		ACRValuesSupported:                provider.ACRValuesSupported,
		ClaimTypesSupported:               []string{"normal"},
		PromptValuesSupported:             []string{"none", "login", "consent", "select_account"},
		AuthorizationResponseISSSupported: true,
		// Logout tokens carry sid whenever the session has one
		// (docs/design.md, "Back-channel logout").
		BackchannelLogoutSupported:        true,
		BackchannelLogoutSessionSupported: true,
	}
}

func (h *Handler) discovery(w http.ResponseWriter, r *http.Request) {
	h.doc.Do(func() {
		b, _ := json.Marshal(Document(h.P)) // plain strings and slices: cannot fail
		h.docR = httpx.NewStatic(append(b, '\n'), "application/json; charset=utf-8", "public, max-age=300")
	})
	h.docR.ServeHTTP(w, r)
}

func (h *Handler) jwks(w http.ResponseWriter, r *http.Request) {
	b, err := h.P.Keys.JWKS(r.Context())
	if err != nil {
		oauth2err.Write(w, r, h.P.Log, err)
		return
	}
	st := h.jwksR.Load()
	if st == nil || !bytes.Equal(st.Body(), b) {
		// Short max-age: relying parties must see a rotation's new key
		// quickly. Logto's SDKs expect a 200: they send no If-None-Match,
		// so they never get a 304.
		st = httpx.NewStatic(b, "application/json; charset=utf-8", "public, max-age=60")
		h.jwksR.Store(st)
	}
	st.ServeHTTP(w, r)
}
