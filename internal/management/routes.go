package management

import "net/http"

// route is one Management API operation. The table feeds both the mux
// (Mount) and the OpenAPI document (swagger), so they cannot disagree.
type route struct {
	Method, Path string // Path is under routes.API, with {name} parameters
	ID, Summary  string
	Request      string // schema name of the JSON body; "" for none
	Response     string // schema name of the 2xx body; "" for 204
	Status       int    // the success status
	Paged        bool   // takes page and page_size
	Query        []string
	handle       func(http.ResponseWriter, *http.Request) error
}

func (h *Handler) table() []route {
	return []route{
		{"GET", "/applications", "ListApplications", "List applications (all without page or page_size)", "", "ApplicationList", 200, true, nil, h.listApps},
		{"POST", "/applications", "CreateApplication", "Create an application; the response carries its secret, shown once", "ApplicationCreate", "ApplicationWithSecret", 200, false, nil, h.createApp},
		{"GET", "/applications/{id}", "GetApplication", "Get an application", "", "Application", 200, false, nil, h.getApp},
		{"PATCH", "/applications/{id}", "UpdateApplication", "Update an application's settings", "ApplicationUpdate", "Application", 200, false, nil, h.updateApp},
		{"DELETE", "/applications/{id}", "DeleteApplication", "Delete an application and revoke its tokens", "", "", 204, false, nil, h.deleteApp},
		{"GET", "/applications/{id}/secrets", "ListApplicationSecrets", "List an application's secrets (names and times, never values)", "", "ApplicationSecretList", 200, false, nil, h.listSecrets},
		{"POST", "/applications/{id}/secrets", "CreateApplicationSecret", "Add a named secret; its value is shown this once", "ApplicationSecretCreate", "ApplicationSecret", 201, false, nil, h.addSecret},
		{"DELETE", "/applications/{id}/secrets/{name}", "DeleteApplicationSecret", "Delete a named secret; it stops working at once", "", "", 204, false, nil, h.deleteSecret},
		{"GET", "/applications/{id}/roles", "ListApplicationRoles", "List an application's roles", "", "RoleList", 200, false, nil, h.listAppRoles},
		{"POST", "/applications/{id}/roles", "AssignApplicationRoles", "Assign roles to an application", "RoleIDs", "", 201, false, nil, h.assignAppRoles},
		{"DELETE", "/applications/{id}/roles/{roleId}", "DeleteApplicationRole", "Take a role from an application", "", "", 204, false, nil, h.unassignAppRole},

		{"GET", "/users", "ListUsers", "List and search users", "", "UserList", 200, true,
			[]string{"search", "search.id", "search.username", "search.primaryEmail", "search.primaryPhone", "search.name", "mode", "joint", "isCaseSensitive"}, h.listUsers},
		{"POST", "/users", "CreateUser", "Create a user", "UserCreate", "User", 200, false, nil, h.createUser},
		{"GET", "/users/{id}", "GetUser", "Get a user", "", "User", 200, false, nil, h.getUser},
		{"PATCH", "/users/{id}", "UpdateUser", "Update a user's email address and name", "UserUpdate", "User", 200, false, nil, h.updateUser},
		{"DELETE", "/users/{id}", "DeleteUser", "Delete a user", "", "", 204, false, nil, h.deleteUser},
		{"PATCH", "/users/{id}/password", "UpdateUserPassword", "Set a user's password (signs them out everywhere)", "Password", "User", 200, false, nil, h.setPassword},
		{"POST", "/users/{id}/password/verify", "VerifyUserPassword", "Check a user's password: 204 if right, 422 if wrong", "Password", "", 204, false, nil, h.verifyPassword},
		{"PATCH", "/users/{id}/is-suspended", "UpdateUserIsSuspended", "Suspend or unsuspend a user", "IsSuspended", "User", 200, false, nil, h.suspend},
		{"GET", "/users/{id}/roles", "ListUserRoles", "List a user's roles", "", "RoleList", 200, false, nil, h.listUserRoles},
		{"POST", "/users/{id}/roles", "AssignUserRoles", "Assign roles to a user", "RoleIDs", "", 201, false, nil, h.assignUserRoles},
		{"DELETE", "/users/{id}/roles/{roleId}", "DeleteUserRole", "Take a role from a user", "", "", 204, false, nil, h.unassignUserRole},

		{"GET", "/resources", "ListResources", "List API resources (all without page or page_size)", "", "ResourceList", 200, true, nil, h.listResources},
		{"POST", "/resources", "CreateResource", "Create an API resource", "ResourceCreate", "Resource", 201, false, nil, h.createResource},
		{"GET", "/resources/{id}", "GetResource", "Get an API resource", "", "Resource", 200, false, nil, h.getResource},
		{"PATCH", "/resources/{id}", "UpdateResource", "Update an API resource's name and token lifetime", "ResourceUpdate", "Resource", 200, false, nil, h.updateResource},
		{"DELETE", "/resources/{id}", "DeleteResource", "Delete an API resource, its scopes and every permission on it", "", "", 204, false, nil, h.deleteResource},
		{"GET", "/resources/{id}/scopes", "ListResourceScopes", "List an API resource's scopes", "", "ScopeList", 200, false, nil, h.resourceScopes},
		{"POST", "/resources/{id}/scopes", "CreateResourceScope", "Add a scope to an API resource", "ScopeCreate", "Scope", 201, false, nil, h.createScope},
		{"PATCH", "/resources/{id}/scopes/{scopeId}", "UpdateResourceScope", "Update a scope's description", "ScopeUpdate", "Scope", 200, false, nil, h.updateScope},
		{"DELETE", "/resources/{id}/scopes/{scopeId}", "DeleteResourceScope", "Delete a scope and take it from every role", "", "", 204, false, nil, h.deleteScope},

		{"GET", "/roles", "ListRoles", "List roles", "", "RoleList", 200, true, nil, h.listRoles},
		{"POST", "/roles", "CreateRole", "Create a role", "RoleCreate", "Role", 200, false, nil, h.createRole},
		{"GET", "/roles/{id}", "GetRole", "Get a role", "", "Role", 200, false, nil, h.getRole},
		{"PATCH", "/roles/{id}", "UpdateRole", "Update a role's name, description or default flag", "RoleUpdate", "Role", 200, false, nil, h.updateRole},
		{"DELETE", "/roles/{id}", "DeleteRole", "Delete a role and its assignments", "", "", 204, false, nil, h.deleteRole},
		{"GET", "/roles/{id}/users", "ListRoleUsers", "List and search the users holding a role", "", "UserList", 200, true,
			[]string{"search", "search.id", "search.username", "search.primaryEmail", "search.primaryPhone", "search.name", "mode", "joint", "isCaseSensitive"}, h.roleUsers},
		{"POST", "/roles/{id}/users", "AssignRoleToUsers", "Assign a role to users", "UserIDs", "", 201, false, nil, h.roleAddUsers},
		{"DELETE", "/roles/{id}/users/{userId}", "DeleteRoleUser", "Take a role from a user", "", "", 204, false, nil, h.roleRemoveUser},
		{"GET", "/roles/{id}/applications", "ListRoleApplications", "List and search the applications holding a role", "", "ApplicationList", 200, true,
			[]string{"search", "search.id", "search.name", "mode", "joint", "isCaseSensitive"}, h.roleApps},
		{"POST", "/roles/{id}/applications", "AssignRoleToApplications", "Assign a role to applications", "ApplicationIDs", "", 201, false, nil, h.roleAddApps},
		{"DELETE", "/roles/{id}/applications/{applicationId}", "DeleteRoleApplication", "Take a role from an application", "", "", 204, false, nil, h.roleRemoveApp},
		{"GET", "/roles/{id}/scopes", "ListRoleScopes", "List the scopes a role holds", "", "ScopeList", 200, false, nil, h.roleScopes},
		{"POST", "/roles/{id}/scopes", "AddRoleScopes", "Give a role scopes", "ScopeIDs", "ScopeList", 201, false, nil, h.roleAddScopes},
		{"DELETE", "/roles/{id}/scopes/{scopeId}", "DeleteRoleScope", "Take a scope from a role", "", "", 204, false, nil, h.roleRemoveScope},

		{"GET", "/logs", "ListLogs", "List audit log entries, newest first", "", "LogList", 200, true,
			[]string{"userId", "applicationId", "logKey", "start_time", "end_time"}, h.listLogs},

		{"GET", "/configs/oidc/{keyType}", "GetOidcKeys", "List the signing keys' public metadata (private-keys only)", "", "OidcKeyList", 200, false, nil, h.listKeys},
		{"POST", "/configs/oidc/{keyType}/rotate", "RotateOidcKeys", "Add a signing key (published now, signing after the publish delay)", "KeyRotate", "OidcKeyList", 200, false, nil, h.rotateKeys},
	}
}
