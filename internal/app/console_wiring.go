package app

import (
	"context"
	"strings"

	"github.com/sesameauth/sesame/internal/admin"
	"github.com/sesameauth/sesame/internal/directory"
	"github.com/sesameauth/sesame/internal/store"
)

// consoleSetup is the console's first-run setup over internal/admin.
type consoleSetup struct{ admins admin.Admins }

func (c consoleSetup) Needed(ctx context.Context) (bool, error) {
	l, err := c.admins.ListAdmins(ctx)
	return len(l) == 0, err
}

// Create takes login as an email when it has an @, else as a username,
// the rule of the hosted sign-in form.
func (c consoleSetup) Create(ctx context.Context, token, login, password string) error {
	na := admin.NewAdmin{Username: login, Password: password}
	if strings.Contains(login, "@") {
		na = admin.NewAdmin{Email: login, Password: password}
	}
	_, err := c.admins.Setup(ctx, token, na)
	return err
}

// consoleURIs saves an app's redirect URIs through directory.Apps.Update,
// the rule the CLI and the Management API use.
type consoleURIs struct{ apps directory.Apps }

func (c consoleURIs) SetURIs(ctx context.Context, app store.Client, redirects, logouts []string) error {
	_, err := c.apps.Update(ctx, app.ID, directory.AppUpdate{RedirectURIs: &redirects, PostLogoutRedirectURIs: &logouts})
	return err
}
