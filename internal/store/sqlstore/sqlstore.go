package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/sesameauth/sesame/internal/store"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationsFS embed.FS

// Options configures Open and Migrate.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Otherwise the store is SQLite in DataDir/sesame.db.
	DatabaseURL string
	// DataDir holds the SQLite file; created with mode 0700 if missing.
	DataDir string
	// Logger receives migration progress. Nil discards it.
	Logger *slog.Logger
	// SkipMigrate makes Open use the schema as it is (for deployments that
	// run `sesame migrate` as a separate step).
	SkipMigrate bool
	// MaxOpenConns caps PostgreSQL connections (default 20). SQLite ignores
	// it: it always has one writer connection and a small reader pool.
	MaxOpenConns int
}

// Store implements store.Store on database/sql.
type Store struct {
	d *dialect
	w *sql.DB // writes and every transaction
	r *sql.DB // reads outside transactions; == w on PostgreSQL
	// wq and rq run single statements on w and r. On SQLite they reuse
	// prepared statements (stmtCache); pgx caches its own.
	wq, rq querier
	caches []*stmtCache
	wc     *stmtCache    // SQLite: the writer's, for statements in transactions (txq)
	group  *groupCommit  // SQLite: transactions committed together
	ckpt   *checkpointer // SQLite: WAL checkpoints beside the writer
	shm    *walIndex     // SQLite: tells when nothing has committed (ConfigVersion)

	versionReads atomic.Int64 // configuration versions read from the database (tests)
}

var _ store.Store = (*Store)(nil)

// Open connects to the database selected by opts, runs pending migrations
// unless opts.SkipMigrate is set, and returns the store.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if isPostgresURL(opts.DatabaseURL) {
		db, err := sql.Open(postgresDriver, postgresDSN(opts.DatabaseURL))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		n := opts.MaxOpenConns
		if n <= 0 {
			n = 20
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		db.SetConnMaxIdleTime(5 * time.Minute)
		// Migrations run on the store's own pool: the connection they
		// open is the first the store uses, not one more to set up.
		if !opts.SkipMigrate {
			if err := migratePostgres(ctx, db, opts); err != nil {
				db.Close()
				return nil, err
			}
		}
		s := &Store{d: postgresDialect, w: db, r: db, wq: db, rq: db}
		if err := s.Ping(ctx); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlstore: open postgres: %w", err)
		}
		return s, nil
	}
	if !opts.SkipMigrate {
		if err := Migrate(ctx, opts); err != nil {
			return nil, err
		}
	}

	w, err := openSQLite(opts.DataDir, true)
	if err != nil {
		return nil, err
	}
	// One writer connection: writers queue in database/sql (honouring ctx)
	// instead of spinning on SQLITE_BUSY inside SQLite.
	oneConnection(w)
	if err := w.PingContext(ctx); err != nil { // creates the file, sets WAL
		w.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", sqliteDialect.mapErr(err))
	}
	r, err := openSQLite(opts.DataDir, false)
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	wc, rc := &stmtCache{db: w}, &stmtCache{db: r}
	s := &Store{d: sqliteDialect, w: w, r: r, wq: wc, rq: rc, caches: []*stmtCache{wc, rc}, wc: wc,
		shm: &walIndex{path: sqliteFile(opts.DataDir) + "-shm"}}
	s.group = newGroupCommit(s)
	if s.ckpt, err = startCheckpointer(opts.DataDir, s.shm); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	return s, nil
}

// oneConnection makes db a pool of one connection that is never closed
// for idleness or age.
func oneConnection(db *sql.DB) {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
}

func openSQLite(dataDir string, writer bool) (*sql.DB, error) {
	if dataDir == "" {
		return nil, errors.New("sqlstore: DataDir is required for SQLite")
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlstore: create data dir: %w", err)
	}
	if err := privateFile(sqliteFile(dataDir)); err != nil {
		return nil, err
	}
	db, err := sql.Open(sqliteDriver, sqliteDSN(dataDir, writer))
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open sqlite: %w", err)
	}
	return db, nil
}

// Migrate applies pending migrations and returns. It is idempotent. It
// holds a lock while migrating (a session advisory lock on PostgreSQL, a
// lock file in the data directory on SQLite), so replicas or commands
// starting together migrate once and the others wait, then find nothing to
// do.
func Migrate(ctx context.Context, opts Options) error {
	if isPostgresURL(opts.DatabaseURL) {
		db, err := sql.Open(postgresDriver, postgresDSN(opts.DatabaseURL))
		if err != nil {
			return fmt.Errorf("sqlstore: migrate: %w", err)
		}
		defer db.Close()
		return migratePostgres(ctx, db, opts)
	}
	db, err := openSQLite(opts.DataDir, true)
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	unlock, err := lockSQLiteMigrations(ctx, opts.DataDir)
	if err != nil {
		db.Close()
		return err
	}
	defer unlock() // after the connection is closed
	defer db.Close()
	return migrate(ctx, sqliteDialect, db, opts)
}

// migratePostgres migrates under a session advisory lock, polled every
// second for up to 10 minutes.
func migratePostgres(ctx context.Context, db *sql.DB, opts Options) error {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return migrate(ctx, postgresDialect, db, opts, goose.WithSessionLocker(locker))
}

func migrate(ctx context.Context, d *dialect, db *sql.DB, opts Options, extra ...goose.ProviderOption) error {
	fsys, err := fs.Sub(migrationsFS, d.dir)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	popts := append([]goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}, extra...)
	if opts.Logger != nil {
		popts = append(popts, goose.WithSlog(opts.Logger))
	} else {
		popts = append(popts, goose.WithLogger(goose.NopLogger()))
	}
	p, err := goose.NewProvider(d.goose, db, fsys, popts...)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlstore: migrate: %w", d.mapErr(err))
	}
	return nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.w.PingContext(ctx); err != nil {
		return s.d.mapErr(err)
	}
	if s.r != s.w {
		if err := s.r.PingContext(ctx); err != nil {
			return s.d.mapErr(err)
		}
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.close()
	}
	err := s.ckpt.close()
	s.shm.close()
	for _, c := range s.caches {
		c.close()
	}
	err = errors.Join(err, s.w.Close())
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// txq returns what runs q's statements: for a transaction on SQLite, the
// writer pool's prepared statements (txStatements); anything else, q
// itself (pgx caches its own statements).
func (s *Store) txq(q querier) querier {
	if tx, ok := q.(*sql.Tx); ok && s.wc != nil {
		return txStatements{tx: tx, c: s.wc}
	}
	return q
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// commitThen is returned by a transaction body that wants its writes
// committed and err returned to the caller anyway (a burned code, a
// revoked grant on replay).
type commitThen struct{ err error }

func (c commitThen) Error() string { return c.err.Error() }

// inTx runs fn in a transaction on the writer. It commits if fn returns nil
// or commitThen, and rolls back otherwise. On SQLite the transactions of
// concurrent callers are committed together (groupCommit); fn gets the
// context its statements must use.
func (s *Store) inTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if s.group != nil {
		return s.group.run(ctx, fn)
	}
	return s.ownTx(ctx, fn)
}

// ownTx runs fn in a transaction of its own.
func (s *Store) ownTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return s.d.mapErr(err)
	}
	defer tx.Rollback() //nolint:errcheck // no-op after Commit
	err = fn(ctx, tx)
	var ct commitThen
	if err != nil && !errors.As(err, &ct) {
		return s.d.mapErr(err)
	}
	if err := tx.Commit(); err != nil {
		return s.d.mapErr(err)
	}
	return ct.err
}

// exec runs one write statement (through write).
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	err := s.write(ctx, func(ctx context.Context, q querier) error {
		res, err := q.ExecContext(ctx, s.d.q(query), args...)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n, s.d.mapErr(err)
}

// write runs fn, one write that needs no transaction of its own, on the
// writer. On SQLite it joins the group commit: as a statement of its own
// it took the writer's connection between two batches and paid a commit
// alone, while in a batch it shares the commit, and the pages it writes
// (the tail of a table another job appends to) go to the WAL once
// (docs/design.md, "Group commit"). Elsewhere fn runs on the pool.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, q querier) error) error {
	if s.group == nil {
		return fn(ctx, s.wq)
	}
	return s.group.run(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, s.txq(tx)) })
}

func (s *Store) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (int64, error) {
	res, err := s.txq(tx).ExecContext(ctx, s.d.q(query), args...)
	if err != nil {
		return 0, s.d.mapErr(err)
	}
	n, err := res.RowsAffected()
	return n, s.d.mapErr(err)
}

// Encoding helpers. Times are unix nanoseconds, 0 for the zero time; lists
// are JSON arrays, nil and empty both stored as [] and read back as nil;
// empty byte slices read back as nil.

func ns(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromNS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func encList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // []string always marshals
	return string(b)
}

// encPerms stores permissions as a JSON array of {"resource","scope"}
// objects; nil and empty are both [].
func encPerms(l []store.Permission) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // a slice of string pairs always marshals
	return string(b)
}

// scanJSON decodes a JSON text column (TEXT comes back as string or
// []byte depending on the driver); NULL leaves dst at its zero value.
func scanJSON(src, dst any, what string) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		return nil
	default:
		return fmt.Errorf("sqlstore: %s column: unexpected %T", what, src)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		return fmt.Errorf("sqlstore: %s column: %w", what, err)
	}
	return nil
}

// permsCol scans a JSON permissions column (nil when empty).
type permsCol struct{ dst *[]store.Permission }

func (c permsCol) Scan(src any) error {
	var l []store.Permission
	if err := scanJSON(src, &l, "permissions"); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*c.dst = l
	return nil
}

// listCol scans a JSON list column.
type listCol struct{ dst *[]string }

func (c listCol) Scan(src any) error {
	var l []string
	if err := scanJSON(src, &l, "list"); err != nil {
		return err
	}
	if len(l) == 0 {
		l = nil
	}
	*c.dst = l
	return nil
}

// timeCol scans a unix-nanosecond column.
type timeCol struct{ dst *time.Time }

func (c timeCol) Scan(src any) error {
	var n sql.NullInt64
	if err := n.Scan(src); err != nil {
		return err
	}
	*c.dst = fromNS(n.Int64)
	return nil
}

// bytesCol scans a blob column, reading empty as nil.
type bytesCol struct{ dst *[]byte }

func (c bytesCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.dst = nil
	case []byte:
		if len(v) == 0 {
			*c.dst = nil
		} else {
			*c.dst = append([]byte(nil), v...)
		}
	case string:
		if v == "" {
			*c.dst = nil
		} else {
			*c.dst = []byte(v)
		}
	default:
		return fmt.Errorf("sqlstore: blob column: unexpected %T", src)
	}
	return nil
}

// blob makes nil byte slices bind as empty blobs (columns are NOT NULL).
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
