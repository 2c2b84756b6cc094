package directory

// The objects internal/admin seeds for the management plane (the
// Management API resources, its roles, the console's client) cannot be
// deleted or renamed by any front end: without them nobody could manage
// Sesame (docs/security.md). The ids are internal/admin's constants.
const (
	ManagementResourceID      = "management-api"
	ManagementLogtoResourceID = "management-api-logto"
	ManagementM2MRoleID       = "management-api-access"
	AdminRoleID               = "sesame-admin"
	ConsoleClientID           = "sesame-console"
	AccountClientID           = "sesame-account"
)

// Protection codes, as errors.Is targets.
var (
	ErrAppProtected      = &Error{Code: "app.protected"}
	ErrRoleProtected     = &Error{Code: "role.protected"}
	ErrResourceProtected = &Error{Code: "resource.protected"}
)

// CheckAppChange refuses deleting or renaming the console's client.
func CheckAppChange(id string) error {
	if id == ConsoleClientID {
		return errf(ErrAppProtected.Code, "app %q is Sesame's own console and cannot be deleted or renamed", id)
	}
	if id == AccountClientID {
		return errf(ErrAppProtected.Code, "app %q is Sesame's own account pages and cannot be deleted or renamed", id)
	}
	return nil
}

// CheckRoleChange refuses deleting or renaming a seeded role.
func CheckRoleChange(id string) error {
	if id == ManagementM2MRoleID || id == AdminRoleID {
		return errf(ErrRoleProtected.Code, "role %q is built in and cannot be deleted or renamed", id)
	}
	return nil
}

// CheckRolePermissionChange refuses adding or removing permissions of a
// seeded role: an administrator role missing the Management API scope
// would lock everyone out of the console (docs/security.md).
func CheckRolePermissionChange(id string) error {
	if id == ManagementM2MRoleID || id == AdminRoleID {
		return errf(ErrRoleProtected.Code, "role %q is built in: its permissions cannot be changed", id)
	}
	return nil
}

// CheckRoleDefault refuses making a seeded role a default role: every new
// user would become an administrator (docs/security.md).
func CheckRoleDefault(id string, isDefault bool) error {
	if isDefault && (id == ManagementM2MRoleID || id == AdminRoleID) {
		return errf(ErrRoleProtected.Code, "role %q is built in and cannot be a default role", id)
	}
	return nil
}

// CheckResourceChange refuses deleting or renaming a seeded resource.
func CheckResourceChange(id string) error {
	if id == ManagementResourceID || id == ManagementLogtoResourceID {
		return errf(ErrResourceProtected.Code, "resource %q is the Management API and cannot be deleted or renamed", id)
	}
	return nil
}

// CheckScopeRemoval refuses taking a permission from a seeded resource or
// role: without the Management API's "all" on them nobody could manage
// Sesame any more (docs/security.md).
func CheckScopeRemoval(resourceID, roleID string) error {
	if resourceID != "" && CheckResourceChange(resourceID) != nil {
		return errf(ErrResourceProtected.Code, "resource %q is the Management API: its permissions cannot be deleted", resourceID)
	}
	if roleID != "" && CheckRoleChange(roleID) != nil {
		return errf(ErrRoleProtected.Code, "role %q is built in: its permissions cannot be removed", roleID)
	}
	return nil
}
