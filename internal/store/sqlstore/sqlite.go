package sqlstore

import (
	"database/sql/driver"
	"errors"
	"net/url"
	"path/filepath"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This is the only file that imports the SQLite driver.

var sqliteDialect = &dialect{
	name:            "sqlite",
	goose:           goose.DialectSQLite3,
	dir:             "migrations/sqlite",
	forUpdate:       "",
	uniqueViolation: sqliteUnique,
	unavailable:     sqliteUnavailable,
}

const sqliteDriver = "sqlite"

// sqliteDSN returns the DSN of the database file in dataDir. The writer
// connection begins every transaction IMMEDIATE (takes the write lock up
// front, so a transaction never fails half-way on lock upgrade); reader
// connections are query_only.
func sqliteDSN(dataDir string, writer bool) string {
	v := url.Values{}
	v.Add("_pragma", "busy_timeout(5000)")
	if writer {
		v.Add("_pragma", "journal_mode(WAL)")
	}
	v.Add("_pragma", "synchronous(NORMAL)")
	v.Add("_pragma", "foreign_keys(1)")
	if writer {
		v.Set("_txlock", "immediate")
	} else {
		v.Add("_pragma", "query_only(1)")
	}
	return filepath.Join(dataDir, "sesame.db") + "?" + v.Encode()
}

func sqliteCode(err error) (int, bool) {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code(), true
	}
	return 0, false
}

func sqliteUnique(err error) bool {
	code, ok := sqliteCode(err)
	return ok && (code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY)
}

func sqliteUnavailable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	code, ok := sqliteCode(err)
	if !ok {
		return false
	}
	switch code & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOTADB:
		return true
	}
	return false
}
