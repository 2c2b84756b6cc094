package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
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
// front, so a transaction never fails half-way on lock upgrade) and never
// checkpoints in a commit (the checkpointer does that beside it); reader
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
		v.Add("_pragma", "wal_autocheckpoint(0)")
		v.Set("_txlock", "immediate")
	} else {
		v.Add("_pragma", "query_only(1)")
	}
	return sqliteFile(dataDir) + "?" + v.Encode()
}

// sqliteFile is the database file in dataDir.
func sqliteFile(dataDir string) string { return filepath.Join(dataDir, DatabaseFile) }

// privateFile prepares the SQLite database file path so that it and its
// -wal, -shm and -journal files are readable by the owner only, whatever the
// umask and whoever made the data directory: it creates the file with mode
// 0600 before the driver would (0644 less the umask), and SQLite gives the
// side files the database file's mode. Files an older version left
// readable by others are tightened to 0600.
func privateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		err = f.Chmod(0o600) // umask-proof
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	} else if errors.Is(err, fs.ErrExist) {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("sqlstore: create %s: %w", path, err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err == nil && fi.Mode().Perm()&0o077 != 0 {
			err = os.Chmod(p, 0o600)
		}
		if err != nil {
			return fmt.Errorf("sqlstore: make %s private: %w", p, err)
		}
	}
	return nil
}

// Missing reports whether opts name a SQLite database that does not exist
// yet, so a command that only reads can refuse before Open creates it.
// PostgreSQL databases are never missing in this sense.
func Missing(opts Options) bool {
	if isPostgresURL(opts.DatabaseURL) {
		return false
	}
	_, err := os.Stat(sqliteFile(opts.DataDir))
	return errors.Is(err, fs.ErrNotExist)
}

// lockSQLiteMigrations serialises migrations of one data directory across
// processes and goroutines (a `sesame migrate` beside a starting `serve`,
// or two CLI commands on a fresh directory): without it both read version
// 0 and the second fails on "table already exists". SQLite has no advisory
// lock, so an exclusive transaction on a separate lock database stands in
// for one; the OS drops it if the process dies. It waits up to 10 minutes,
// as the PostgreSQL advisory lock does.
func lockSQLiteMigrations(ctx context.Context, dataDir string) (unlock func(), err error) {
	path := filepath.Join(dataDir, "migrate.lock")
	if err := privateFile(path); err != nil {
		return nil, err
	}
	db, err := sql.Open(sqliteDriver, path+"?_pragma=busy_timeout(600000)")
	if err != nil {
		return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: migration lock: %w", err)
	}
	return func() {
		conn.ExecContext(context.Background(), "ROLLBACK") //nolint:errcheck // closing drops the lock anyway
		conn.Close()
		db.Close()
	}, nil
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
