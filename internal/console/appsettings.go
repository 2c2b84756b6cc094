package console

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/oidc/keys"
	"github.com/sesameauth/sesame/internal/store"
	"github.com/sesameauth/sesame/internal/ui"
)

// AppSettingsForm is the token-settings form of an app's page, as typed.
type AppSettingsForm struct {
	Description   string
	IDTokenTTL    string // seconds; empty: the server default
	RefreshDays   string // days; empty: the server default
	ReuseInterval string // seconds; empty: 0
	IDTokenAlg    string // "" for the server's default
	Algs          []string
	Rotate        bool
	AlwaysRefresh bool
	// BackChannelURI is the back-channel logout URI ("" for none),
	// BackChannelSession its session-required flag.
	BackChannelURI     string
	BackChannelSession bool
}

func settingsForm(c store.Client) AppSettingsForm {
	f := AppSettingsForm{Description: c.Description, Rotate: !c.NoRefreshRotation, AlwaysRefresh: c.AlwaysIssueRefreshToken}
	if c.IDTokenTTL > 0 {
		f.IDTokenTTL = strconv.Itoa(int(c.IDTokenTTL / time.Second))
	}
	if c.RefreshTokenTTL > 0 {
		f.RefreshDays = strconv.Itoa(int(c.RefreshTokenTTL / (24 * time.Hour)))
	}
	f.ReuseInterval = strconv.Itoa(int(c.RefreshReuseInterval / time.Second))
	f.IDTokenAlg, f.Algs = c.IDTokenAlg, keys.Supported
	f.BackChannelURI, f.BackChannelSession = c.BackChannelLogoutURI, c.BackChannelLogoutSessionRequired
	return f
}

// appSettingsFields maps the directory's field names (the Management API's)
// to the form's.
var appSettingsFields = map[string]string{
	"description":                                "description",
	"customClientMetadata.idTokenTtl":            "id_token_ttl",
	"customClientMetadata.refreshTokenTtlInDays": "refresh_token_ttl_days",
	directory.FieldRefreshReuseInterval:          "refresh_reuse_interval",
	directory.FieldIDTokenAlg:                    "id_token_alg",
	directory.FieldBackChannelLogoutURI:          "backchannel_logout_uri",
}

// whole reads a form number; empty is 0 (the server default).
func whole(s string) (int, bool) {
	if s = strings.TrimSpace(s); s == "" {
		return 0, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// appViewFor is appView with the app's secrets (names and times only).
func (h *Handler) appViewFor(w http.ResponseWriter, r *http.Request, rq *request, c store.Client) (*AppPage, bool) {
	p := h.appView(rq, c)
	if !c.Type.Confidential() {
		return p, true
	}
	l, err := h.Apps.Secrets(r.Context(), c.ID)
	if err != nil {
		h.failure(w, r, err)
		return nil, false
	}
	p.Secrets = l
	return p, true
}

func (h *Handler) saveAppSettings(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	f := AppSettingsForm{Description: r.PostFormValue("description"), IDTokenTTL: r.PostFormValue("id_token_ttl"),
		RefreshDays: r.PostFormValue("refresh_token_ttl_days"), ReuseInterval: r.PostFormValue("refresh_reuse_interval"), IDTokenAlg: r.PostFormValue("id_token_alg"), Algs: keys.Supported, Rotate: r.PostFormValue("rotate_refresh_token") == "on",
		AlwaysRefresh: r.PostFormValue("always_issue_refresh_token") == "on", BackChannelURI: strings.TrimSpace(r.PostFormValue("backchannel_logout_uri")),
		BackChannelSession: r.PostFormValue("backchannel_logout_session_required") == "on"}
	errs := map[string]ui.Msg{}
	upd := directory.AppUpdate{Description: &f.Description}
	if c.Type != store.AppM2M {
		ttl, ok1 := whole(f.IDTokenTTL)
		days, ok2 := whole(f.RefreshDays)
		if !ok1 {
			errs["id_token_ttl"] = ui.M("console.app.bad_id_token_ttl")
		}
		if !ok2 {
			errs["refresh_token_ttl_days"] = ui.M("console.app.bad_refresh_days")
		}
		reuse, ok3 := whole(f.ReuseInterval)
		if !ok3 {
			errs["refresh_reuse_interval"] = ui.M("console.app.bad_reuse_interval")
		}
		upd.IDTokenTTL, upd.RefreshTokenTTLInDays, upd.RefreshTokenReuseInterval = &ttl, &days, &reuse
		upd.IDTokenAlg = &f.IDTokenAlg
		upd.BackChannelLogoutURI, upd.BackChannelLogoutSessionRequired = &f.BackChannelURI, &f.BackChannelSession
		upd.RotateRefreshToken, upd.AlwaysIssueRefreshToken = &f.Rotate, &f.AlwaysRefresh
	}
	var after store.Client
	var err error
	if len(errs) == 0 {
		after, err = h.Apps.Update(r.Context(), c.ID, upd)
	}
	var de *directory.Error
	if errors.As(err, &de) {
		field := appSettingsFields[de.Field]
		if field == "" {
			field = "settings"
		}
		errs[field] = refused(err)
	} else if err != nil {
		h.failure(w, r, err)
		return
	}
	if len(errs) > 0 {
		p, ok := h.appViewFor(w, r, rq, c)
		if !ok {
			return
		}
		p.Settings, p.Errors = f, errs
		h.render(w, r, http.StatusBadRequest, p)
		return
	}
	if !h.record(w, r, rq, "Application", "Update", c.ID, appSettingsDoc(c), appSettingsDoc(after)) {
		return
	}
	h.seeOther(w, r, "/apps/"+c.ID+"?saved=1")
}

// showSecret answers a POST that made a secret with the app's page and the
// secret, shown this once: the page must not be cached anywhere.
func (h *Handler) showSecret(w http.ResponseWriter, r *http.Request, rq *request, c store.Client, name, value string) {
	p, ok := h.appViewFor(w, r, rq, c)
	if !ok {
		return
	}
	p.Secret, p.SecretName = value, name
	w.Header().Set("Cache-Control", "no-store")
	h.render(w, r, http.StatusCreated, p)
}

func (h *Handler) secretError(w http.ResponseWriter, r *http.Request, rq *request, c store.Client, field string, err error) {
	if !directory.IsBadInput(err) {
		h.failure(w, r, err)
		return
	}
	h.secretMsg(w, r, rq, c, field, refused(err))
}

// secretMsg shows the app's page with msg by a secret form's field.
func (h *Handler) secretMsg(w http.ResponseWriter, r *http.Request, rq *request, c store.Client, field string, msg ui.Msg) {
	p, ok := h.appViewFor(w, r, rq, c)
	if !ok {
		return
	}
	p.Errors = map[string]ui.Msg{field: msg}
	p.NewSecretName = r.PostFormValue("name")
	h.render(w, r, http.StatusBadRequest, p)
}

func (h *Handler) addSecret(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	var expires time.Time
	days, ok := whole(r.PostFormValue("expires_in_days"))
	if !ok {
		h.secretMsg(w, r, rq, c, "expires_in_days", ui.M("console.app.bad_expires"))
		return
	}
	if days > 0 {
		expires = h.now().Add(time.Duration(days) * 24 * time.Hour)
	}
	value, s, err := h.Apps.AddSecret(r.Context(), c, name, expires)
	if err != nil {
		h.secretError(w, r, rq, c, "name", err)
		return
	}
	if !h.record(w, r, rq, "Application", "AddSecret", c.ID, nil, secretDoc(s)) {
		return
	}
	h.showSecret(w, r, rq, c, s.Name, value)
}

func (h *Handler) deleteSecret(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	name := r.PostFormValue("name")
	if err := h.Apps.DeleteSecret(r.Context(), c.ID, name); err != nil {
		h.secretError(w, r, rq, c, "secrets", err)
		return
	}
	if !h.record(w, r, rq, "Application", "DeleteSecret", c.ID, map[string]string{"name": name}, nil) {
		return
	}
	h.seeOther(w, r, "/apps/"+c.ID+"?saved=1")
}

func (h *Handler) rotateSecret(w http.ResponseWriter, r *http.Request, rq *request) {
	c, ok := h.loadApp(w, r)
	if !ok {
		return
	}
	hours, ok := whole(r.PostFormValue("grace_hours"))
	if !ok {
		h.secretMsg(w, r, rq, c, "grace_hours", ui.M("console.app.bad_grace"))
		return
	}
	value, until, err := h.Apps.RotateSecret(r.Context(), c, time.Duration(hours)*time.Hour)
	if err != nil {
		h.secretError(w, r, rq, c, "grace_hours", err)
		return
	}
	if !h.record(w, r, rq, "Application", "RotateSecret", c.ID, nil, map[string]any{"name": store.SecretDefault, "previousExpiresAt": until.UnixMilli()}) {
		return
	}
	h.showSecret(w, r, rq, c, store.SecretDefault, value)
}

func appSettingsDoc(c store.Client) map[string]any {
	return map[string]any{"description": c.Description, "idTokenTtl": int64(c.IDTokenTTL / time.Second),
		"refreshTokenTtlInDays": int64(c.RefreshTokenTTL / (24 * time.Hour)), "rotateRefreshToken": !c.NoRefreshRotation,
		"alwaysIssueRefreshToken": c.AlwaysIssueRefreshToken, "refreshTokenReuseInterval": int64(c.RefreshReuseInterval / time.Second),
		"idTokenSignedResponseAlg": c.IDTokenAlg, "backchannelLogoutUri": c.BackChannelLogoutURI,
		"backchannelLogoutSessionRequired": c.BackChannelLogoutSessionRequired}
}

// secretDoc names a secret for the audit log, never its value or hash.
func secretDoc(s store.ClientSecret) map[string]any {
	d := map[string]any{"name": s.Name, "createdAt": s.CreatedAt.UnixMilli()}
	if !s.ExpiresAt.IsZero() {
		d["expiresAt"] = s.ExpiresAt.UnixMilli()
	}
	return d
}
