package sesame

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// SignInHandler returns the handler for the sign-in route; mount it for
// POST, e.g. mux.Handle("POST /sign-in", client.SignInHandler()). It answers
// 405 to other methods and 403 to cross-origin browser requests
// (http.CrossOriginProtection; BaseURL's origin is trusted), then calls
// [Client.SignIn]. An optional form field return_to (a local path) says where
// to go after the callback.
func (c *Client) SignInHandler() http.Handler {
	return c.postOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		opts := &SignInOptions{ReturnTo: r.PostFormValue("return_to")}
		if err := c.SignIn(w, r, opts); err != nil {
			c.fail(w, r, err)
		}
	}))
}

// CallbackHandler returns the handler for the redirect URI (GET only). It calls
// [Client.HandleCallback] and redirects with 303 See Other to the path the
// sign-in asked for, or Config.PostSignInRedirect ("/").
func (c *Client) CallbackHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Not HEAD: a link prefetcher must not spend the one-time code.
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		returnTo, err := c.HandleCallback(w, r)
		if errors.Is(err, ErrNoSignInSession) {
			// A reload or back-button visit after a completed sign-in.
			if x, _ := c.GetContext(nil, r); x.IsAuthenticated {
				http.Redirect(w, r, c.cfg.PostSignInRedirect, http.StatusSeeOther)
				return
			}
		}
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if p, ok := localRedirect(returnTo); ok {
			returnTo = p
		} else {
			returnTo = c.cfg.PostSignInRedirect
		}
		http.Redirect(w, r, returnTo, http.StatusSeeOther)
	})
}

// SignOutHandler returns the handler for the sign-out route; mount it for
// POST. Like SignInHandler it rejects other methods and cross-origin browser
// requests, then calls [Client.SignOut].
func (c *Client) SignOutHandler() http.Handler {
	return c.postOnly(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := c.SignOut(w, r); err != nil {
			c.fail(w, r, err)
		}
	}))
}

// RequireAuth is middleware that lets signed-in requests through, with their
// [Context] attached (see [FromContext]). Other requests get:
//
//   - 401 with a JSON body {"error":"not_authenticated",...} when the path is
//     under Config.APIPathPrefix ("/api/") or the Accept header asks for JSON
//     and not HTML;
//   - for GET and HEAD page requests, the sign-in redirect (as SignIn, with
//     the requested path as ReturnTo): following a link to a protected page
//     signs the user in and comes back;
//   - 401 otherwise (a form POST from an expired session, for example).
func (c *Client) RequireAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		x, err := c.GetContext(w, r)
		if err != nil {
			c.fail(w, r, err)
			return
		}
		if x.IsAuthenticated {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), contextKey{}, x)))
			return
		}
		switch {
		case c.wantsJSON(r):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"not_authenticated","error_description":"sign-in required"}` + "\n"))
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			if err := c.SignIn(w, r, &SignInOptions{ReturnTo: r.URL.RequestURI()}); err != nil {
				c.fail(w, r, err)
			}
		default:
			http.Error(w, "sign-in required", http.StatusUnauthorized)
		}
	})
}

func (c *Client) wantsJSON(r *http.Request) bool {
	if p := c.cfg.APIPathPrefix; strings.HasPrefix(r.URL.Path, p) || r.URL.Path == strings.TrimSuffix(p, "/") {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// postOnly wraps h with a method check and cross-origin protection.
func (c *Client) postOnly(h http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	if u, err := url.Parse(c.cfg.BaseURL); err == nil {
		// Trust the app's public origin too, for deployments behind a proxy
		// that rewrites Host.
		_ = cop.AddTrustedOrigin(u.Scheme + "://" + u.Host)
	}
	protected := cop.Handler(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		protected.ServeHTTP(w, r)
	})
}

// fail reports a handler error through Config.ErrorHandler or the default.
func (c *Client) fail(w http.ResponseWriter, r *http.Request, err error) {
	if c.cfg.ErrorHandler != nil {
		c.cfg.ErrorHandler(w, r, err)
		return
	}
	status, msg := http.StatusBadGateway, "the sign-in server could not be reached or answered with an error"
	var oe *OAuthError
	switch {
	case errors.Is(err, ErrStateMismatch), errors.Is(err, ErrNoSignInSession), errors.Is(err, ErrMissingCode),
		errors.Is(err, ErrIssuerMismatch):
		status, msg = http.StatusBadRequest, "the sign-in could not be completed; please start again"
	case errors.As(err, &oe) && oe.StatusCode == 0:
		status, msg = http.StatusBadRequest, "the sign-in was not completed ("+oe.Code+")"
	case errors.As(err, &oe) && oe.Code == "invalid_grant":
		status, msg = http.StatusBadRequest, "the sign-in has expired; please start again"
	}
	c.logger.WarnContext(r.Context(), "sesame: request failed", "path", r.URL.Path, "status", status, "err", err)
	w.Header().Set("Cache-Control", "no-store")
	http.Error(w, msg, status)
}
