// Package cli implements the sesame command: serve, migrate, and the first
// admin tasks (apps, users, resources, keys). Every command validates all
// of its input before touching the database, answers bad input with one
// line on stderr and exit status 2, and writes nothing in that case.
package cli
