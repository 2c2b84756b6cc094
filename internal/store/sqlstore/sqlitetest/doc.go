// Package sqlitetest opens the store that the domain packages' unit tests
// run against: a real SQLite database in the test's temporary directory,
// migrated and closed with the test. (It is not in internal/testkit, which
// sqlstore's own tests import.)
package sqlitetest
