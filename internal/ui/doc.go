// Package ui is Sesame's page engine: it checks the shape of the hosted
// pages' template tree (from package web, or from an operator-supplied
// directory with the same layout), parses each page's template at its
// first render, and renders pages for handlers. [Renderer.Verify] parses
// and trial-renders every page at once: the tests of web's tree call it,
// and a server given another tree calls it at start-up.
//
// A page type lives with the package that renders it: it embeds [Base] and
// names its template ([Page]); the owning package lists its pages for
// [New]. Handlers never touch html/template: they fill a page struct and
// call [Renderer.Render], which fills in the nonce, language and request
// id, renders into a buffer first so a template failure never leaves a
// half-written page, and logs any failure. All escaping is done by
// html/template. Only the error page, which every area shows, is declared
// here ([ErrorPage]).
//
// The pages are written for a strict Content-Security-Policy set by
// middleware (style-src 'self', script-src with a per-response nonce): they
// carry no inline styles or event handlers, and the only script is the
// auto-submit script on the form_post page, which carries [Base.Nonce].
// The stylesheet and favicon are linked under /static/; mount
// [Renderer.Static] there with http.StripPrefix("/static/", …).
package ui
