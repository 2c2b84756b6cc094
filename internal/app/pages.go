package app

import (
	"slices"

	"github.com/sesameauth/sesame/internal/account"
	"github.com/sesameauth/sesame/internal/console"
	"github.com/sesameauth/sesame/internal/experience"
	"github.com/sesameauth/sesame/internal/oidc/endsession"
	"github.com/sesameauth/sesame/internal/oidc/oauth2"
	"github.com/sesameauth/sesame/internal/ui"
)

// Pages returns every hosted page the server renders (besides ui's shared
// error page), as zero values (Renderer.Verify trial-renders each). A
// package that owns pages lists them in its own Pages function.
func Pages() []ui.Page {
	return slices.Concat(experience.Pages(), oauth2.Pages(), endsession.Pages(), console.Pages(), account.Pages(), []ui.Page{&HomePage{}})
}

// HomePage is the server's root page.
type HomePage struct {
	ui.Base
	Issuer, DiscoveryURL string
}

// Template implements ui.Page.
func (*HomePage) Template() string { return "app/home" }
