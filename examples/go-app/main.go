// Command go-app is the Sesame quick-start app for Go's net/http: the Go
// version of the @logto/next guide. It shows a "Sign In" button when signed
// out and "Hello, {sub}," with a "Sign Out" button when signed in.
//
// Configuration comes from the environment:
//
//	SESAME_ENDPOINT       Sesame server URL (default http://localhost:3001)
//	SESAME_APP_ID         application ID (required)
//	SESAME_APP_SECRET     application secret (empty for a public client)
//	SESAME_BASE_URL       this app's URL (default http://localhost:3000); the app listens on its port
//	SESAME_COOKIE_SECRET  at least 32 characters (required)
//
// Register {SESAME_BASE_URL}/callback as redirect URI and {SESAME_BASE_URL}
// as post sign-out redirect URI. Bad configuration exits with status 2.
package main

import (
	"errors"
	"fmt"
	"html/template"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"time"

	sesame "github.com/sesameauth/sesame/sdk"
)

var page = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sesame Go sample</title></head>
<body>
<nav>
{{- if .IsAuthenticated}}
  <p>Hello, {{.Claims.Subject}},
    <form method="post" action="/sign-out"><button type="submit">Sign Out</button></form>
  </p>
{{- else}}
  <p>
    <form method="post" action="/sign-in"><button type="submit">Sign In</button></form>
  </p>
{{- end}}
</nav>
</body>
</html>
`))

// envNames maps sesame.Config fields to the variables that set them, for
// error messages.
var envNames = map[string]string{
	"Endpoint":     "SESAME_ENDPOINT",
	"AppID":        "SESAME_APP_ID",
	"BaseURL":      "SESAME_BASE_URL",
	"CookieSecret": "SESAME_COOKIE_SECRET",
}

func getenv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	log.SetFlags(0)
	cfg := sesame.Config{
		Endpoint:     getenv("SESAME_ENDPOINT", "http://localhost:3001"),
		AppID:        os.Getenv("SESAME_APP_ID"),
		AppSecret:    os.Getenv("SESAME_APP_SECRET"),
		BaseURL:      getenv("SESAME_BASE_URL", "http://localhost:3000"),
		CookieSecret: os.Getenv("SESAME_COOKIE_SECRET"),
	}
	base, _ := url.Parse(cfg.BaseURL) // validated by sesame.New below
	if base != nil {
		cfg.CookieSecure = base.Scheme == "https"
	}
	client, err := sesame.New(cfg)
	if err != nil {
		var ce *sesame.ConfigError
		if errors.As(err, &ce) && envNames[ce.Field] != "" {
			err = fmt.Errorf("%s %s", envNames[ce.Field], ce.Reason)
		}
		fmt.Fprintln(os.Stderr, "go-app: bad configuration:", err)
		os.Exit(2)
	}
	port := base.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[base.Scheme]
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		ctx, err := client.GetContext(w, r)
		if err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		if err := page.Execute(w, ctx); err != nil {
			log.Print(err)
		}
	})
	mux.Handle("POST /sign-in", client.SignInHandler())
	mux.Handle("GET /callback", client.CallbackHandler()) // redirects to "/" when done
	mux.Handle("POST /sign-out", client.SignOutHandler())

	srv := &http.Server{
		Addr:              net.JoinHostPort("", port),
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	log.Printf("go-app: listening on %s (Sesame at %s)", cfg.BaseURL, cfg.Endpoint)
	log.Fatal(srv.ListenAndServe())
}
