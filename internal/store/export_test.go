package store

import "database/sql"

// SQLForTest exposes the pool to this package's external tests, which play
// a database administrator tampering with rows.
func (db *DB) SQLForTest() *sql.DB { return db.sql }
