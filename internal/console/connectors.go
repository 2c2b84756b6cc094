package console

// The social connectors on the sign-in experience page: a list, an add or
// edit form, and delete. Every change is a PATCH of socialConnectors
// through signinexp (its rules, its sealing of the write-only client
// secret); the page never shows a secret, only whether one is set.

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/ui"
)

// ConnectorRow is one connector in the list.
type ConnectorRow struct {
	ID, DisplayName, Issuer string
	Enabled, SecretSet      bool
}

// ConnectorForm is the add or edit form as typed. There is no secret
// field to fill back: it is write-only.
type ConnectorForm struct {
	ID, DisplayName, Issuer, ClientID, Scopes string
	Enabled                                   bool
	Editing                                   bool // ID names a stored connector
	Errors                                    map[string]ui.Msg
	Error                                     ui.Msg
}

func connectorRows(x signinexp.Settings) []ConnectorRow {
	var rows []ConnectorRow
	for _, c := range x.Public().SocialConnectors {
		rows = append(rows, ConnectorRow{ID: c.ID, DisplayName: c.DisplayName, Issuer: c.Issuer, Enabled: c.Enabled, SecretSet: c.ClientSecretSet})
	}
	return rows
}

// editForm is the form filled with connector id (empty form when unknown).
func editForm(x signinexp.Settings, id string) ConnectorForm {
	for _, c := range x.SocialConnectors {
		if c.ID == id {
			return ConnectorForm{ID: c.ID, DisplayName: c.DisplayName, Issuer: c.Issuer, ClientID: c.ClientID,
				Scopes: strings.Join(c.Scopes, " "), Enabled: c.Enabled, Editing: true}
		}
	}
	return ConnectorForm{Enabled: true}
}

// connectorFields maps a connector's JSON fields to the form's inputs.
var connectorFields = map[string]string{
	"id": "connector_id", "displayName": "connector_display_name", "issuer": "connector_issuer",
	"clientId": "connector_client_id", "clientSecret": "connector_client_secret", "scopes": "connector_scopes",
}

func (h *Handler) saveConnector(w http.ResponseWriter, r *http.Request, rq *request) {
	f := r.PostForm
	form := ConnectorForm{ID: strings.TrimSpace(f.Get("connector_id")), DisplayName: f.Get("connector_display_name"),
		Issuer: strings.TrimSpace(f.Get("connector_issuer")), ClientID: strings.TrimSpace(f.Get("connector_client_id")),
		Scopes: f.Get("connector_scopes"), Enabled: f.Get("connector_enabled") == "true"}
	x, err := h.Settings.Get(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	c := signinexp.Connector{ID: form.ID, DisplayName: form.DisplayName, Issuer: form.Issuer, ClientID: form.ClientID,
		Scopes: strings.Fields(form.Scopes), Enabled: form.Enabled, ClientSecret: f.Get("connector_client_secret")}
	list := x.Public().SocialConnectors
	i := 0
	for i < len(list) && list[i].ID != c.ID {
		i++
	}
	if i < len(list) {
		form.Editing = true
		list[i] = c
	} else {
		list = append(list, c)
	}
	h.patchConnectors(w, r, rq, x, list, &form, i)
}

func (h *Handler) deleteConnector(w http.ResponseWriter, r *http.Request, rq *request) {
	x, err := h.Settings.Get(r.Context())
	if err != nil {
		h.failure(w, r, err)
		return
	}
	id := r.PathValue("id")
	var list []signinexp.Connector
	for _, c := range x.Public().SocialConnectors {
		if c.ID != id {
			list = append(list, c)
		}
	}
	h.patchConnectors(w, r, rq, x, list, &ConnectorForm{Enabled: true}, -1)
}

// patchConnectors stores list as socialConnectors (a connector without a
// new clientSecret keeps its stored one: signinexp carries it over by
// id); on bad input it shows the page again with the error at the field
// of connector index at.
func (h *Handler) patchConnectors(w http.ResponseWriter, r *http.Request, rq *request, x signinexp.Settings, list []signinexp.Connector, form *ConnectorForm, at int) {
	if list == nil {
		list = []signinexp.Connector{}
	}
	patch, err := json.Marshal(map[string]any{"socialConnectors": list})
	if err != nil {
		h.failure(w, r, err)
		return
	}
	before, after, err := h.Settings.Update(r.Context(), patch)
	if directory.IsBadInput(err) {
		p := h.settingsForm(r, rq, x)
		// The domain's message stays English (as the API answers it)
		// behind a translated lead-in.
		field, msg := connectorError(err, at)
		if field == "" {
			form.Error = ui.M("console.error.refused", "detail", msg)
		} else {
			form.Errors = map[string]ui.Msg{field: ui.M("console.error.refused", "detail", msg)}
		}
		p.Connector = *form
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if err != nil {
		h.failure(w, r, err)
		return
	}
	if !h.record(w, r, rq, "SignInExperience", "Update", "", before.Public(), after.Public()) {
		return
	}
	h.seeOther(w, r, "/sign-in-experience?saved=1")
}

// connectorError is the form input and message of an Update error about
// connector index at ("sign_in_exp.socialConnectors[1].issuer").
func connectorError(err error, at int) (field, msg string) {
	_, msg = settingsError(err)
	de, ok := err.(*directory.Error)
	if !ok {
		return "", msg
	}
	path, ok := strings.CutPrefix(de.Code, "sign_in_exp.socialConnectors[")
	if !ok {
		return "", msg
	}
	idx, name, _ := strings.Cut(path, "].")
	if idx != "" && at >= 0 && idx != strconv.Itoa(at) {
		return "", msg // another connector's problem
	}
	return connectorFields[name], msg
}
