// Package web holds the assets of Sesame's hosted pages: the HTML templates
// rendered by package internal/ui and the static files (one stylesheet and
// a favicon) those pages reference.
//
// The tree returned by [FS] has this shape, which is also what an operator
// must provide when re-skinning with a directory (os.DirFS):
//
//	templates/shared/layout.html   the page shell (defines "layout")
//	templates/shared/icons.html    partials parsed into every page
//	templates/shared/error.html    the error page, shown by every area
//	templates/experience/*.html    sign-in, registration, consent
//	templates/oidc/*.html          form_post, signed-out, logout confirmation
//	templates/app/home.html        the server's root page
//	static/sesame.css              the only stylesheet
//	static/favicon.svg             the favicon
//	i18n/<lang>/*.json             the message catalogues (package
//	                               internal/i18n): en, de, zh-Hans
//
// Each directory under templates/ is an area, named by the owner of its
// pages; a page's file (templates/<area>/<name>.html, defining "content")
// is named by its page type, and the area's other files are partials
// parsed into that area's pages. Room is left for templates/console/ (an
// admin console) and templates/mail/ (email bodies): a new area is a new
// directory, with no change to the engine.
//
// Pages hold no text of their own: they name catalogue keys,
// {{.T "signin.heading"}}, and package ui renders them in the language the
// request asks for. TestCataloguesComplete and TestUsedKeysExist keep the
// catalogues whole.
//
// The pages are written for a strict Content-Security-Policy: they contain
// no inline style attributes, no <style> elements and no event-handler
// attributes, and the only script is the nonce-carrying auto-submit script
// on the form_post page.
package web
