package management

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/sesameauth/sesame/internal/httpx"
	"github.com/sesameauth/sesame/internal/routes"
)

var pathParam = regexp.MustCompile(`\{([A-Za-z]+)\}`)

// schemas are the named bodies the table refers to.
var schemas = map[string]any{
	"Error":                   object("code", "string", "message", "string", "data", "object"),
	"Application":             object("tenantId", "string", "id", "string", "name", "string", "type", "string", "oidcClientMetadata", "object", "customClientMetadata", "object", "isThirdParty", "boolean", "createdAt", "integer"),
	"ApplicationWithSecret":   object("id", "string", "name", "string", "type", "string", "secret", "string", "createdAt", "integer"),
	"ApplicationList":         list("Application"),
	"ApplicationCreate":       object("name", "string", "type", "string", "description", "string", "oidcClientMetadata", "object", "customClientMetadata", "object", "isThirdParty", "boolean"),
	"ApplicationUpdate":       object("name", "string", "description", "string", "oidcClientMetadata", "object", "customClientMetadata", "object", "customData", "object"),
	"ApplicationSecret":       object("tenantId", "string", "applicationId", "string", "name", "string", "value", "string", "createdAt", "integer", "expiresAt", "integer"),
	"ApplicationSecretList":   list("ApplicationSecret"),
	"ApplicationSecretCreate": object("name", "string", "expiresAt", "integer"),
	"ApplicationIDs":          object("applicationIds", "array"),
	"User":                    object("id", "string", "username", "string", "primaryEmail", "string", "primaryPhone", "string", "name", "string", "avatar", "string", "customData", "object", "lastSignInAt", "integer", "createdAt", "integer", "updatedAt", "integer", "isSuspended", "boolean"),
	"UserList":                list("User"),
	"UserCreate":              object("username", "string", "primaryEmail", "string", "password", "string", "name", "string"),
	"UserUpdate":              object("primaryEmail", "string", "name", "string"),
	"UserIDs":                 object("userIds", "array"),
	"Password":                object("password", "string"),
	"IsSuspended":             object("isSuspended", "boolean"),
	"Role":                    object("id", "string", "name", "string", "description", "string", "type", "string", "isDefault", "boolean"),
	"RoleList":                list("Role"),
	"RoleCreate":              object("name", "string", "description", "string", "type", "string", "isDefault", "boolean", "scopeIds", "array"),
	"RoleUpdate":              object("name", "string", "description", "string", "isDefault", "boolean"),
	"ScopeIDs":                object("scopeIds", "array"),
	"Scope":                   object("id", "string", "resourceId", "string", "name", "string", "description", "string", "createdAt", "integer"),
	"ScopeList":               list("Scope"),
	"ScopeCreate":             object("name", "string", "description", "string"),
	"ScopeUpdate":             object("description", "string"),
	"ResourceUpdate":          object("name", "string", "accessTokenTtl", "integer"),
	"RoleIDs":                 object("roleIds", "array"),
	"Resource":                object("id", "string", "name", "string", "indicator", "string", "isDefault", "boolean", "accessTokenTtl", "integer"),
	"ResourceList":            list("Resource"),
	"ResourceCreate":          object("name", "string", "indicator", "string", "accessTokenTtl", "integer"),
	"OidcKey":                 object("id", "string", "createdAt", "integer", "signingKeyAlgorithm", "string"),
	"OidcKeyList":             list("OidcKey"),
	"Log":                     object("id", "string", "key", "string", "payload", "object", "createdAt", "integer"),
	"LogList":                 list("Log"),
	"KeyRotate":               object("signingKeyAlgorithm", "string"),
}

func object(kv ...string) map[string]any {
	props := map[string]any{}
	for i := 0; i < len(kv); i += 2 {
		props[kv[i]] = map[string]string{"type": kv[i+1]}
	}
	return map[string]any{"type": "object", "properties": props}
}

func list(item string) map[string]any {
	return map[string]any{"type": "array", "items": ref(item)}
}

func ref(name string) map[string]string {
	return map[string]string{"$ref": "#/components/schemas/" + name}
}

func jsonContent(schema string) map[string]any {
	return map[string]any{"application/json": map[string]any{"schema": ref(schema)}}
}

// openAPI builds the OpenAPI 3.1 document from the route table.
func (h *Handler) openAPI() map[string]any {
	paths := map[string]map[string]any{}
	errResp := map[string]any{"description": "error", "content": jsonContent("Error")}
	for _, rt := range h.table() {
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": map[string]string{"type": "string"}})
		}
		if rt.Paged {
			params = append(params,
				map[string]any{"name": "page", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1}},
				map[string]any{"name": "page_size", "in": "query", "schema": map[string]any{"type": "integer", "minimum": 1, "maximum": 100}})
		}
		for _, q := range rt.Query {
			params = append(params, map[string]any{"name": q, "in": "query", "schema": map[string]string{"type": "string"}})
		}
		ok := map[string]any{"description": http.StatusText(rt.Status)}
		if rt.Response != "" {
			ok["content"] = jsonContent(rt.Response)
		}
		op := map[string]any{"operationId": rt.ID, "summary": rt.Summary, "parameters": params,
			"responses": map[string]any{strconv.Itoa(rt.Status): ok, "400": errResp, "401": errResp, "403": errResp},
			"security":  []any{map[string]any{"bearerAuth": []string{"all"}}}}
		if params == nil {
			op["parameters"] = []any{}
		}
		if rt.Request != "" {
			op["requestBody"] = map[string]any{"required": true, "content": jsonContent(rt.Request)}
		}
		p := routes.API + rt.Path
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]string{"title": "Sesame Management API", "version": "1"},
		"servers": []any{map[string]string{"url": strings.TrimSuffix(h.Endpoint, "/")}},
		"paths":   paths,
		"components": map[string]any{
			"schemas":         schemas,
			"securitySchemes": map[string]any{"bearerAuth": map[string]string{"type": "http", "scheme": "bearer"}},
		},
	}
}

func (h *Handler) swagger(w http.ResponseWriter, r *http.Request) {
	httpx.WriteJSON(w, r, http.StatusOK, h.openAPI())
}
