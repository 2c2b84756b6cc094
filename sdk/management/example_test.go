package management_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/sesameauth/sesame/sdk/management"
)

// A client for Sesame, as an M2M app created with
// `sesame apps create --name automation --type m2m --management-api --json`.
func Example() {
	client, err := management.New(management.Config{
		Endpoint:   "https://auth.example.com",
		AppID:      os.Getenv("SESAME_M2M_APP_ID"),
		AppSecret:  os.Getenv("SESAME_M2M_APP_SECRET"),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	u, err := client.Users.Create(ctx, management.UserCreate{
		Username:     "ann",
		PrimaryEmail: "ann@example.com",
		Password:     "correct horse battery staple",
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created", u.ID, "at", u.CreatedAt.Format(time.RFC3339))
}

// The same client for Logto: only the resource indicator differs.
func ExampleNew_logto() {
	client, err := management.New(management.Config{
		Endpoint:  "http://localhost:3001",
		AppID:     os.Getenv("LOGTO_M2M_APP_ID"),
		AppSecret: os.Getenv("LOGTO_M2M_APP_SECRET"),
		Resource:  "https://default.logto.app/api", // Logto Cloud: https://<tenant>.logto.app/api
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = client
}

// Every user whose username starts with "ann", fetched a page at a time
// as the loop goes.
func ExampleUsersService_List() {
	var client *management.Client // from management.New
	ctx := context.Background()
	for u, err := range client.Users.List(ctx, management.UserListOptions{
		Search: management.Search{Value: management.Prefix("ann"), Fields: []string{"username"}},
	}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(u.ID, u.Username, u.PrimaryEmail)
	}
}

// One page and the total, for a paged table.
func ExampleUsersService_ListPage() {
	var client *management.Client // from management.New
	users, total, err := client.Users.ListPage(context.Background(), management.UserListOptions{
		ListOptions: management.ListOptions{Page: 2, PageSize: 50},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("users 51 to %d of %d\n", 50+len(users), total)
}

// Errors are typed: match them with errors.Is, or read the code, the
// message and the field with errors.As.
func ExampleError() {
	var client *management.Client // from management.New
	ctx := context.Background()
	_, err := client.Applications.Get(ctx, "no-such-app")
	switch {
	case errors.Is(err, management.ErrNotFound):
		fmt.Println("no such app")
	case errors.Is(err, management.ErrUnauthorized), errors.Is(err, management.ErrInvalidClient):
		fmt.Println("check the M2M app's id and secret")
	case errors.Is(err, management.ErrForbidden):
		fmt.Println("the M2M app lacks the Management API role")
	case err != nil:
		var e *management.Error
		if errors.As(err, &e) {
			fmt.Println(e.Status, e.Code, e.Message, e.Field())
		}
	}
}

// A web app with its redirect URIs; its secret is in the answer, once.
func ExampleApplicationsService_Create() {
	var client *management.Client // from management.New
	app, err := client.Applications.Create(context.Background(), management.ApplicationCreate{
		Name: "Shop",
		Type: management.AppTraditional,
		OIDCClientMetadata: &management.OIDCClientMetadata{
			RedirectURIs:           []string{"https://shop.example.com/callback"},
			PostLogoutRedirectURIs: []string{"https://shop.example.com"},
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(app.ID, app.Secret)
}

// In an update, nil leaves a field alone; Ptr sets a scalar, and an empty
// slice clears a list.
func ExampleApplicationsService_Update() {
	var client *management.Client // from management.New
	_, err := client.Applications.Update(context.Background(), "2xltgoq2kef1ooe06tigf", management.ApplicationUpdate{
		Name:               management.Ptr("Shop (staging)"),
		OIDCClientMetadata: &management.OIDCClientMetadata{PostLogoutRedirectURIs: []string{}},
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Give a user a role, by the role's name.
func ExampleUsersService_AssignRoles() {
	var client *management.Client // from management.New
	ctx := context.Background()
	for r, err := range client.Roles.List(ctx, management.ListOptions{}) {
		if err != nil {
			log.Fatal(err)
		}
		if r.Name == "editor" {
			if err := client.Users.AssignRoles(ctx, "x0wv3hk5dzlm", r.ID); err != nil {
				log.Fatal(err)
			}
			return
		}
	}
}

// Failed sign-ins of the last day.
func ExampleLogsService_List() {
	var client *management.Client // from management.New
	ctx := context.Background()
	for e, err := range client.Logs.List(ctx, management.LogListOptions{
		LogKey: "Interaction.SignIn.Submit",
		Start:  time.Now().Add(-24 * time.Hour),
	}) {
		if err != nil {
			log.Fatal(err)
		}
		if e.Payload.Result == "Error" {
			fmt.Println(e.CreatedAt.Format(time.RFC3339), e.Payload.IP, e.Payload.Error)
		}
	}
}
