//go:build e2e

package browser

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesameauth/sesame/e2e/internal/e2etest"
	"github.com/sesameauth/sesame/internal/config"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/provider"
	"github.com/sesameauth/sesame/internal/secret"
	"github.com/sesameauth/sesame/internal/signinexp"
	"github.com/sesameauth/sesame/internal/store"
)

// TestSocialAfterUpstreamPasswordInChromium: the password form at the
// upstream starts a redirect chain (upstream → downstream callback → the
// downstream's app on a third origin) that Chromium checks against the
// upstream page's form-action; the downstream's callback ends the chain
// with a page that continues by itself, so the app is reached. A new
// identity creates its account; one whose verified address has an account
// here links after that account's password (issue 11 part 6; UI-12).
func TestSocialAfterUpstreamPasswordInChromium(t *testing.T) {
	up := startSesameConfig(t, func(c *config.Config) {
		c.Endpoint = strings.Replace(c.Endpoint, "127.0.0.1", "localhost", 1)
	}, nil)
	down := startSesame(t)
	rp := e2etest.NewRelyingParty(t, "rp")
	down.registerRP(t, rp, "Down App")

	// The upstream knows the downstream as a web app.
	ctx := context.Background()
	upSecret := directory.NewSecret()
	upApp := store.Client{ID: directory.NewAppID(), Name: "Downstream", Type: store.AppTraditional,
		RedirectURIs: []string{down.URL + "/social/callback"},
		Secrets:      []store.ClientSecret{{Name: store.SecretDefault, Hash: provider.HashSecret(upSecret)}}, CreatedAt: time.Now()}
	if err := up.Store.CreateClient(ctx, upApp); err != nil {
		t.Fatal(err)
	}
	settings := &signinexp.Service{Store: down.Store, AllowRegistration: true,
		Box: secret.NewBox(down.master, signinexp.ConnectorSecretsPurpose)}
	patch := fmt.Sprintf(`{"socialConnectors":[{"id":"upstream","displayName":"Upstream","issuer":%q,"clientId":%q,"clientSecret":%q,"enabled":true}]}`,
		up.Issuer, upApp.ID, upSecret)
	if _, _, err := settings.Update(ctx, []byte(patch)); err != nil {
		t.Fatal(err)
	}
	upUser := func(username, email string) {
		u, err := experience.NewUser(ctx, username, email, "upstream password", fastHash, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		u.EmailVerified = true
		if err := up.Store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	chrome := e2etest.StartChrome(t)

	// continueWithUpstream signs in at the upstream as username from the
	// downstream's sign-in page.
	continueWithUpstream := func(b *e2etest.Tab, username string) {
		t.Helper()
		b.Navigate(rp.URL + "/login")
		b.WaitSignInForm(down.URL)
		clickLink(t, b, "Continue with Upstream")
		b.WaitSignInForm(up.URL)
		b.SubmitSignIn(username, "upstream password")
	}

	t.Run("NewAccount", func(t *testing.T) {
		upUser("carol", "carol@example.com")
		b := chrome.NewTab(t)
		continueWithUpstream(b, "carol")
		sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp))
		u, err := down.Store.GetUserByLogin(ctx, "carol@example.com")
		if err != nil || u.ID != sub || !u.EmailVerified {
			t.Fatalf("the app shows %q; downstream user %+v (%v)", sub, u, err)
		}
	})

	t.Run("LinkAfterPassword", func(t *testing.T) {
		upUser("dave", "dave@example.com")
		owner := down.createUser(t, "dave", "dave@example.com", "downstream password")
		b := chrome.NewTab(t)
		continueWithUpstream(b, "dave")
		b.WaitFor("the link page", e2etest.OnPage(down.URL+"/social/link?")+` && document.querySelector('form #password')`)
		checkLabelsAtLeast(t, b, "social link", 1)
		fill(t, b, "the account's password", "password", "downstream password")
		if sub, _ := e2etest.SignedInAs(t, b.WaitCallback(rp)); sub != owner {
			t.Fatalf("after linking the app shows %q, want the existing account %s", sub, owner)
		}
		list, err := down.Store.ListUserIdentities(ctx, owner)
		if err != nil || len(list) != 1 || list[0].ConnectorID != "upstream" {
			t.Fatalf("links of the owner: %+v, %v", list, err)
		}
	})
}
