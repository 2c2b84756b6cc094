package app_test

import (
	"net/url"
	"testing"

	"github.com/sesameauth/sesame/internal/app"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/store"
)

// BenchmarkTokenAudit: the token endpoint with the audit log on and off,
// for the cheapest grant (client_credentials with ES256, where a fixed cost
// shows most) and a refresh. Recording only queues the entry; the writer
// goroutine's batched inserts run meanwhile and share the machine, so the
// difference includes them.
func BenchmarkTokenAudit(b *testing.B) {
	for _, audited := range []bool{true, false} {
		name := map[bool]string{true: "on", false: "off"}[audited]
		opt := func(c *config.Config, o *app.Options) { c.SigningAlg = "ES256"; o.NoAudit = !audited }
		b.Run("ClientCredentialsES256/audit="+name, func(b *testing.B) {
			e := newEnv(b, opt)
			id, secret := e.app(b, store.AppM2M, nil, nil)
			e.resource(b, "https://api.example.com", "read")
			e.permit(b, id, map[string][]string{"https://api.example.com": {"read"}})
			h := e.Server.Handler()
			form := url.Values{"grant_type": {"client_credentials"}, "resource": {"https://api.example.com"}, "scope": {"read"}}
			for b.Loop() {
				if rec := serve(h, formReq("/oidc/token", form, id, secret)); rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(e.Server.Audit().Dropped()), "dropped")
		})
		b.Run("RefreshES256/audit="+name, func(b *testing.B) {
			e := newEnv(b, opt)
			r := "https://app.example/cb"
			id, secret := e.app(b, store.AppTraditional, []string{r}, nil)
			e.user(b, "bench", "password-bench")
			code, v, _ := e.flow(b, e.browser(b), id, r, true, "bench", "password-bench", nil)
			_, body := e.exchange(b, id, secret, code, v, r)
			form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {body["refresh_token"].(string)}}
			h := e.Server.Handler()
			for b.Loop() {
				if rec := serve(h, formReq("/oidc/token", form, id, secret)); rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(e.Server.Audit().Dropped()), "dropped")
		})
	}
}
