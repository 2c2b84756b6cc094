// Package ui renders Sesame's hosted pages (sign-in, registration, consent,
// errors, logout and the form_post auto-submit page) from the templates in
// package web, or from an operator-supplied directory with the same layout.
//
// Handlers never touch html/template: they fill a typed page struct and
// call the matching [Renderer] method, which renders into a buffer first so
// a template failure never leaves a half-written page. All escaping is done
// by html/template.
//
// The pages are written for a strict Content-Security-Policy set by
// middleware (style-src 'self', script-src with a per-response nonce): they
// carry no inline styles or event handlers, and the only script is the
// auto-submit script on the form_post page, which carries [Base.Nonce].
// The stylesheet and favicon are linked under /static/; mount
// [Renderer.Static] there with http.StripPrefix("/static/", …).
package ui
