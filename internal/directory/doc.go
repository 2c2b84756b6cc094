// Package directory is the directory of apps, users, API resources, roles
// and signing keys: the operations an administrator performs, with their
// rules. The CLI calls it today; the Management API and the console will
// call it too, so none of them repeats a rule.
//
// Each operation group (Apps, Users, Resources, Roles, Keys) depends on the
// store through a narrow interface listing only the methods it calls.
// Every change that touches several rows is one store call, one
// transaction: suspending a user (with the end of their sessions and
// grants), setting a password (signing the user out everywhere), and
// creating an M2M app with its own role.
//
// Bad input is an *Error with a stable Code (for programs: a JSON API
// answers {code, message}) and a one-line Message (the CLI prints it and
// exits with status 2); the Message names an input by the CLI flag that
// carries it. Any other error is a failure (the database, …). Identifier
// and password rules come from package identity; their errors are wrapped,
// so errors.Is(err, identity.ErrUsernameLength) holds.
package directory
