//go:build e2e

package e2etest

import (
	"context"
	"fmt"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/storage"
	"github.com/chromedp/chromedp"
)

// AllCookies returns every cookie of the tab's browser context, for all
// origins (Storage.getCookies on the browser target).
func (tb *Tab) AllCookies() []*network.Cookie {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	res, err := chromedp.CallBrowser(ctx, storage.GetCookies,
		storage.GetCookiesParams{BrowserContextID: chromedp.FromContext(tb.ctx).BrowserContextID})
	if err != nil {
		tb.t.Fatalf("Storage.getCookies: %v", err)
	}
	return res.Cookies
}

// CookiesFor returns the cookies the tab would send to urls
// (Network.getCookies).
func (tb *Tab) CookiesFor(urls ...string) []*network.Cookie {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: urls})
	if err != nil {
		tb.t.Fatalf("Network.getCookies: %v", err)
	}
	return res.Cookies
}

// SetCookie stores a cookie (Network.setCookie).
func (tb *Tab) SetCookie(p network.SetCookieParams) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.SetCookie, p); err != nil {
		tb.t.Fatalf("Network.setCookie %s: %v", p.Name, err)
	}
}

// DeleteCookie deletes the cookies named name that match URL u
// (Network.deleteCookies).
func (tb *Tab) DeleteCookie(name, u string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Call(ctx, network.DeleteCookies, network.DeleteCookiesParams{Name: name, URL: u}); err != nil {
		tb.t.Fatalf("Network.deleteCookies %s: %v", name, err)
	}
}

// FindCookie returns the first cookie named name, or nil.
func FindCookie(cs []*network.Cookie, name string) *network.Cookie {
	for _, c := range cs {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// CookieNames describes cookies for messages: name, domain, path, size.
func CookieNames(cs []*network.Cookie) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s (domain %s, path %s, %d bytes)", c.Name, c.Domain, c.Path, len(c.Value)))
	}
	return out
}
