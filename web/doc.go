// Package web holds the assets of Sesame's hosted pages: the HTML templates
// rendered by package internal/ui and the static files (one stylesheet and
// a favicon) those pages reference.
//
// The tree returned by [FS] has this shape, which is also what an operator
// must provide when re-skinning with a directory (os.DirFS):
//
//	templates/layout.html          the shared page shell (defines "layout")
//	templates/<page>.html          one file per page (each defines "content")
//	static/sesame.css              the only stylesheet
//	static/favicon.svg             the favicon
//
// The pages are written for a strict Content-Security-Policy: they contain
// no inline style attributes, no <style> elements and no event-handler
// attributes, and the only script is the nonce-carrying auto-submit script
// on the form_post page.
package web
