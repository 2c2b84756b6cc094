package sesame_test

import (
	"encoding/json"
	"fmt"
	"html/template"
	"log"
	"net/http"

	sesame "github.com/sesameauth/sesame/sdk"
)

// The guide's app: step 2 (config), step 4 (callback route), step 5 (sign-in
// and sign-out buttons on the home page).
func Example() {
	// Step 2: prepare the config.
	client, err := sesame.New(sesame.Config{
		Endpoint:     "http://localhost:3001",
		AppID:        "2xltgoq2kef1ooe06tigf",
		AppSecret:    "vwyW8M4e3BupmghVerupTDHRswnmrlaD",
		BaseURL:      "http://localhost:3000",
		CookieSecret: "uJ63HIPKujP6BrsSj7nbtxVLH5t3vNt8",
		CookieSecure: false, // on by itself when BaseURL is https
	})
	if err != nil {
		log.Fatal(err)
	}

	// Step 3 registers http://localhost:3000/callback as redirect URI and
	// http://localhost:3000 as post sign-out redirect URI in the console.

	page := template.Must(template.New("home").Parse(`<nav>
{{if .IsAuthenticated}}<p>Hello, {{.Claims.Subject}},
<form method="post" action="/sign-out"><button>Sign Out</button></form></p>
{{else}}<p><form method="post" action="/sign-in"><button>Sign In</button></form></p>{{end}}
</nav>`))

	mux := http.NewServeMux()
	// Step 4: handle the callback; it redirects to "/" when done.
	mux.Handle("GET /callback", client.CallbackHandler())
	// Step 5: sign-in and sign-out are POST routes behind cross-origin protection.
	mux.Handle("POST /sign-in", client.SignInHandler())
	mux.Handle("POST /sign-out", client.SignOutHandler())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		ctx, err := client.GetContext(w, r)
		if err != nil {
			http.Error(w, "session store unavailable", http.StatusInternalServerError)
			return
		}
		_ = page.Execute(w, ctx)
	})
	log.Fatal(http.ListenAndServe(":3000", mux))
}

// Configuration problems are reported by New, naming the field.
func ExampleNew() {
	_, err := sesame.New(sesame.Config{
		Endpoint:     "http://localhost:3001",
		AppID:        "my-app",
		BaseURL:      "http://localhost:3000",
		CookieSecret: "too short",
	})
	fmt.Println(err)
	// Output: sesame: invalid Config.CookieSecret: must be at least 32 characters
}

// Read the sign-in state of a request; no network call is made.
func ExampleClient_GetContext() {
	var client *sesame.Client // from sesame.New
	http.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		ctx, _ := client.GetContext(w, r)
		if !ctx.IsAuthenticated {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "Hello, %s (%s)", ctx.Claims.Subject, ctx.Claims.Email)
	})
}

// Call an API resource with an access token. The token is cached in the
// session and refreshed shortly before it expires; refresh before writing the
// response so that the new tokens can be saved.
func ExampleContext_AccessToken() {
	client, _ := sesame.New(sesame.Config{
		Endpoint: "http://localhost:3001", AppID: "my-app", AppSecret: "secret",
		BaseURL: "http://localhost:3000", CookieSecret: "uJ63HIPKujP6BrsSj7nbtxVLH5t3vNt8",
		Resources: []string{"https://api.example.com"},
	})
	http.Handle("GET /api/orders", client.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, err := sesame.FromContext(r.Context()).AccessToken(r.Context(), "https://api.example.com")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req, _ := http.NewRequestWithContext(r.Context(), "GET", "https://api.example.com/orders", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		// ... send req and relay the answer
	})))
}

// Fetch the userinfo endpoint for claims that are not in the ID token.
func ExampleContext_UserInfo() {
	var client *sesame.Client // from sesame.New
	http.Handle("GET /api/profile", client.RequireAuth(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, err := sesame.FromContext(r.Context()).UserInfo(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		_ = json.NewEncoder(w).Encode(info.Raw)
	})))
}

// Protect a group of routes: pages redirect to the sign-in and come back,
// API routes (under /api/) answer 401 JSON.
func ExampleClient_RequireAuth() {
	var client *sesame.Client // from sesame.New
	private := http.NewServeMux()
	private.HandleFunc("GET /dashboard", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "Welcome, %s", sesame.FromContext(r.Context()).Claims.Name)
	})
	mux := http.NewServeMux()
	mux.Handle("/dashboard", client.RequireAuth(private))
}

// Start a sign-in from your own handler, e.g. to open the registration
// screen.
func ExampleClient_SignIn() {
	var client *sesame.Client // from sesame.New
	http.HandleFunc("POST /sign-up", func(w http.ResponseWriter, r *http.Request) {
		err := client.SignIn(w, r, &sesame.SignInOptions{FirstScreen: "register", ReturnTo: "/welcome"})
		if err != nil {
			http.Error(w, "sign-in unavailable", http.StatusBadGateway)
		}
	})
}

func ExampleCookieName() {
	fmt.Println(sesame.CookieName("2xltgoq2kef1ooe06tigf"))
	// Output: sesame_2xltgoq2kef1ooe06tigf
}
