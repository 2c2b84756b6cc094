// Package management is a Go client for the Management API of Sesame
// ({endpoint}/api), which has Logto's shapes; it works against Logto too,
// for the routes both have.
//
//	client, err := management.New(management.Config{
//		Endpoint:  "https://auth.example.com",
//		AppID:     os.Getenv("SESAME_M2M_APP_ID"),
//		AppSecret: os.Getenv("SESAME_M2M_APP_SECRET"),
//	})
//	…
//	u, err := client.Users.Create(ctx, management.UserCreate{Username: "ann", Password: pw})
//
// # Credentials
//
// The client signs in as a machine-to-machine app holding the Management
// API permission "all"; on Sesame, create one with
//
//	sesame apps create --name automation --type m2m --management-api --json
//
// It gets its access token with the client-credentials grant from
// {Endpoint}/oidc/token (resource Config.Resource, scope "all"), keeps it
// until 30 seconds (or a quarter of its lifetime) before it expires, and
// fetches one at a time however many goroutines call; the others wait for
// that fetch, each within its own context. If the API answers 401 (the
// token was revoked, or the server lost it), the client drops the token
// and tries the call once more with a new one.
//
// For Logto, set Config.Resource to Logto's indicator,
// "https://default.logto.app/api" (open source) or
// "https://<tenant>.logto.app/api" (Cloud). Sesame accepts the first as
// well as its own {Endpoint}/api.
//
// # Calls
//
// Each service (Applications, Users, Resources, Roles, SignInExperience,
// Logs, OIDCKeys) has context-first methods taking and returning typed
// values with Logto's JSON names. Times are time.Time, sent as epoch
// milliseconds; a null time is the zero time. In update requests, a nil
// pointer (see [Ptr]) or nil slice leaves a field as it is, while a
// pointer to "" or an empty non-nil slice sets it empty.
//
// # Lists
//
// The lists that page come in two forms: an iterator that fetches page
// after page as the loop asks for more, and a …Page method returning one
// page and the total (the Total-Number header):
//
//	for u, err := range client.Users.List(ctx, management.UserListOptions{
//		Search: management.Search{Value: management.Prefix("ann"), Fields: []string{"username"}},
//	}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(u.ID, u.Username)
//	}
//
// The iterator stops after the last page (by the Link header's "next"
// relation, or by Total-Number) and on the first error, which it yields.
// User search follows Logto's grammar (see [Search]).
//
// # Errors
//
// An answer outside 2xx is an *[Error] with the status and Logto's
// {code, message, data}; compare with errors.Is against [ErrNotFound],
// [ErrUnauthorized], [ErrForbidden], [ErrInvalidInput] and the other
// sentinels, which match Sesame's and Logto's errors alike. A refused
// token request is an *Error too ([ErrInvalidClient] for a wrong app id or
// secret).
package management
