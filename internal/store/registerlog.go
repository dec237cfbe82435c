package store

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sort"
	"time"

	"github.com/emmansun/gmsm/smx509"
	"github.com/transparency-dev/merkle/compact"
	"golang.org/x/sync/errgroup"

	"handover/internal/access"
	"handover/internal/audit"
	"handover/internal/certificate"
	"handover/internal/identity"
	"handover/internal/problem"
	"handover/internal/registerlog"
	"handover/internal/registry"
)

// The register's transparency log (登记簿日志): see internal/registerlog.
// IntegrateLog takes new records in as leaves, SignCheckpoint signs the
// log's head, the proofs read the stored nodes, and VerifyLog recomputes
// every leaf from the records as they stand and sets the result beside
// checkpoints held outside.

// logBatch is how many records of a kind one integration takes in.
const logBatch = 20000

// logMargin and logGrace: records are taken in by id, and on PostgreSQL a
// transaction may commit a lower id after a higher one was taken in; there
// each run looks back logMargin ids behind the newest taken, and at every
// record of the last logGrace whatever its id, for such stragglers. A
// record older than logGrace and still not in the log was never taken in
// honestly: VerifyLog names it (one written into the past by whoever
// holds the database). On SQLite, where ids commit in order, the log takes
// in the ids above the newest it holds, and VerifyLog names any record
// below that it does not hold, whatever its time.
const (
	logMargin = 10000
	logGrace  = time.Hour
)

// IntegrateLog takes into the log the audit events and register entries
// not yet in it, each as the leaf of its full content, and keeps the
// nodes the appends compute: logBatch records of a kind a transaction,
// until none is left. It returns how many leaves it added. One
// integration runs at a time (the write lock on SQLite, an advisory lock
// on PostgreSQL); it writes no audit event of its own, which would be a
// leaf to take in next time, for ever.
func (db *DB) IntegrateLog(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := db.integrateLog(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// integrateLog takes in one batch; more reports a full batch of some
// kind, with records left to take.
func (db *DB) integrateLog(ctx context.Context) (added int, more bool, err error) {
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		added, more = 0, false
		if db.engine == Postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(7240002)`); err != nil {
				return err
			}
		}
		size, err := logSize(ctx, tx.q())
		if err != nil {
			return err
		}
		rng, err := logRange(ctx, tx.q(), uint64(size))
		if err != nil {
			return err
		}
		var leaves, nodes [][]any
		// The leaves' hashes are the tree's level 0, kept in log_leaves
		// alone; log_nodes keeps the levels above.
		visit := func(id compact.NodeID, h []byte) {
			if id.Level > 0 {
				nodes = append(nodes, []any{int(id.Level), int64(id.Index), h})
			}
		}
		for _, kind := range []string{registerlog.AuditEvent, registerlog.RegisterEntry} {
			ids, err := newLogRecords(ctx, tx.q(), db.engine, kind, tx.now)
			if err != nil {
				return err
			}
			more = more || len(ids) == logBatch
			if len(ids) == 0 {
				continue
			}
			// On every core, unless this process serves requests now,
			// which keep the other cores (as the batch signs).
			workers := runtime.GOMAXPROCS(0)
			if db.foreground.Busy() {
				workers = 1
			}
			hashes, err := tx.db.leafHashes(ctx, tx.q(), kind, ids, workers)
			if err != nil {
				return err
			}
			for i, id := range ids {
				if err := rng.Append(hashes[i], visit); err != nil {
					return err
				}
				leaves = append(leaves, []any{size + int64(added), kind, id, hashes[i]})
				added++
			}
		}
		if added == 0 {
			return nil
		}
		if err := tx.insertValues(ctx, "log_leaves", "idx, kind, record_id, hash", "", leaves); err != nil {
			return err
		}
		return tx.insertValues(ctx, "log_nodes", "level, idx, hash", "", nodes)
	})
	return added, more, err
}

// logPiece is how many records leafHashes reads at once: the next piece
// is read while the last is hashed.
const logPiece = 1024

// leafHashes are the leaf hashes of the records of kind with ids, in their
// order. It reads the records a piece at a time on the transaction's
// connection and, given more than one worker, hashes the pieces already
// read on workers goroutines while it reads the next: each leaf's hash is
// its own and only their order into the tree is shared (a batch handover's
// 22,800 records are read, JSON-encoded and hashed in the minute job while
// it holds the writer). With one worker (the process serves requests now)
// it reads and hashes in turn, on one core.
func (db *DB) leafHashes(ctx context.Context, q querier, kind string, ids []int64, workers int) ([][]byte, error) {
	hashes := make([][]byte, len(ids))
	type piece struct {
		lo       int // the piece is ids[lo:lo+logPiece]
		contents map[int64]any
	}
	hash := func(p piece) error {
		for i := p.lo; i < min(p.lo+logPiece, len(ids)); i++ {
			c, ok := p.contents[ids[i]]
			if !ok {
				return fmt.Errorf("log: %s %d vanished while taken in", kind, ids[i])
			}
			h, err := registerlog.LeafHash(kind, ids[i], c)
			if err != nil {
				return err
			}
			hashes[i] = h
		}
		return nil
	}
	read := func(lo int) (piece, error) {
		contents, err := db.logContentsOf(ctx, q, kind, ids[lo:min(lo+logPiece, len(ids))])
		return piece{lo, contents}, err
	}
	if workers <= 1 {
		for lo := 0; lo < len(ids); lo += logPiece {
			p, err := read(lo)
			if err == nil {
				err = hash(p)
			}
			if err != nil {
				return nil, err
			}
		}
		return hashes, nil
	}
	pieces := make(chan piece, workers)
	hashers, stop := errgroup.WithContext(ctx)
	for range workers {
		hashers.Go(func() error {
			for p := range pieces {
				if err := stop.Err(); err != nil { // another hasher failed
					return err
				}
				if err := hash(p); err != nil {
					return err
				}
			}
			return nil
		})
	}
	readAll := func() error {
		defer close(pieces)
		for lo := 0; lo < len(ids); lo += logPiece {
			if err := stop.Err(); err != nil { // a hasher failed (its error comes first) or ctx ended
				return err
			}
			p, err := read(lo)
			if err != nil {
				return err
			}
			select {
			case pieces <- p:
			case <-stop.Done():
				return stop.Err()
			}
		}
		return nil
	}
	readErr := readAll()
	if err := cmp.Or(hashers.Wait(), readErr); err != nil {
		return nil, err
	}
	return hashes, nil
}

// newLogRecords lists, in id order, up to logBatch records of kind not yet
// in the log.
//
// On SQLite one writer at a time assigns ids and commits, so every record
// below the newest taken in was committed before it and taken in with it:
// the records not yet in the log are those above it, one range of the
// primary key. (A record a script writes below it later is not taken in:
// VerifyLog names it, whatever its time.)
//
// On PostgreSQL a transaction may commit a lower id after a higher one was
// taken in, so the records are those with ids near or above the newest
// (within logMargin) and, below those, the ones of the last logGrace: two
// queries, each on its own index (the id's, the time's), merged here; as
// one UNION both engines would scan the table.
func newLogRecords(ctx context.Context, q querier, engine Engine, kind string, now time.Time) ([]int64, error) {
	t := logTables[kind]
	var newest int64
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(record_id), 0) FROM log_leaves WHERE kind = $1`, kind).Scan(&newest); err != nil {
		return nil, err
	}
	if engine != Postgres {
		return int64s(ctx, q, `SELECT id FROM `+t.table+` WHERE id > $1 ORDER BY id LIMIT $2`, newest, logBatch)
	}
	const outside = ` AND NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.kind = $1 AND l.record_id = r.id)`
	byID, err := int64s(ctx, q, `SELECT r.id FROM `+t.table+` r WHERE r.id > $2`+outside+` ORDER BY r.id LIMIT $3`, kind, newest-logMargin, logBatch)
	if err != nil || len(byID) == logBatch {
		// A full batch: more follow, and the last batch looks for the
		// stragglers of the last logGrace once.
		return byID, err
	}
	// The ids above newest-logMargin are byID's, all of them (it was not
	// full).
	recent, err := int64s(ctx, q, `SELECT r.id FROM `+t.table+` r WHERE r.`+t.at+` >= $2 AND r.id <= $3`+outside,
		kind, now.Add(-logGrace), newest-logMargin)
	if err != nil {
		return nil, err
	}
	ids := slices.Compact(slices.Sorted(slices.Values(append(byID, recent...))))
	return ids[:min(len(ids), logBatch)], nil
}

// logTables names each kind's table and the column of its time.
var logTables = map[string]struct{ table, at string }{
	registerlog.AuditEvent:    {"audit_events", "at"},
	registerlog.RegisterEntry: {"register_entries", "recorded_at"},
}

// logContentsOf reads the contents of the records of kind with ids, a
// range of ids at a time: a straggler far below the others is read alone,
// not with every record between.
func (db *DB) logContentsOf(ctx context.Context, q querier, kind string, ids []int64) (map[int64]any, error) {
	sorted := slices.Sorted(slices.Values(ids))
	out := map[int64]any{}
	for start := 0; start < len(sorted); {
		end := start + 1
		for end < len(sorted) && sorted[end]-sorted[end-1] <= 64 {
			end++
		}
		run, err := db.logContents(ctx, q, kind, sorted[start], sorted[end-1])
		if err != nil {
			return nil, err
		}
		maps.Copy(out, run)
		start = end
	}
	return out, nil
}

// logContents reads the full content of the records of kind with ids from
// lo to hi, by id: an audit event as it is, a register entry with its
// holders. It is what a leaf commits to.
func (db *DB) logContents(ctx context.Context, q querier, kind string, lo, hi int64) (map[int64]any, error) {
	out := map[int64]any{}
	switch kind {
	case registerlog.AuditEvent:
		rows, err := q.QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_events WHERE id BETWEEN $1 AND $2`, lo, hi)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				return nil, err
			}
			out[e.ID] = registerlog.Event(e)
		}
		return out, rows.Err()
	case registerlog.RegisterEntry:
		rows, err := q.QueryContext(ctx, `SELECT `+entryColumns+` FROM register_entries e WHERE e.id BETWEEN $1 AND $2`, lo, hi)
		if err != nil {
			return nil, err
		}
		entries := map[int64]*registry.Entry{}
		for rows.Next() {
			e, err := scanEntry(db.ring(), rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			entries[e.ID] = &e
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		hrows, err := q.QueryContext(ctx, `SELECT `+holderColumns+` FROM register_holders
			WHERE entry_id BETWEEN $1 AND $2 ORDER BY entry_id, seq`, lo, hi)
		if err != nil {
			return nil, err
		}
		if err := scanHolders(db.ring(), hrows, func(id int64, h registry.Holder) {
			if e := entries[id]; e != nil {
				e.Holders = append(e.Holders, h)
			}
		}); err != nil {
			return nil, err
		}
		for id, e := range entries {
			out[id] = registerlog.Entry(*e)
		}
		return out, nil
	}
	return nil, fmt.Errorf("log: no records of kind %q", kind)
}

// logRange is the compact range of the log's first size leaves, from the
// stored nodes.
func logRange(ctx context.Context, q querier, size uint64) (*compact.Range, error) {
	hashes, err := logNodes(ctx, q)(compact.RangeNodes(0, size, nil))
	if err != nil {
		return nil, err
	}
	return registerlog.Ranges().NewRange(0, size, hashes)
}

// errNodeMissing: a node the tree needs is not stored.
var errNodeMissing = errors.New("log: a node is missing")

// logNodes fetches stored node hashes.
func logNodes(ctx context.Context, q querier) registerlog.Nodes {
	return func(ids []compact.NodeID) ([][]byte, error) {
		out := make([][]byte, len(ids))
		for i, id := range ids {
			query, args := `SELECT hash FROM log_nodes WHERE level = $1 AND idx = $2`, []any{int(id.Level), int64(id.Index)}
			if id.Level == 0 {
				query, args = `SELECT hash FROM log_leaves WHERE idx = $1`, []any{int64(id.Index)}
			}
			if err := q.QueryRowContext(ctx, query, args...).Scan(&out[i]); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					return nil, fmt.Errorf("%w: %d/%d", errNodeMissing, id.Level, id.Index)
				}
				return nil, err
			}
		}
		return out, nil
	}
}

// logSize is how many leaves the log's table holds (its highest index
// and one: a gap below is VerifyLog's to find).
func logSize(ctx context.Context, q querier) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM log_leaves`).Scan(&n)
	return n, err
}

// LogHead is the log's size and root as stored now.
func (db *DB) LogHead(ctx context.Context) (registerlog.Checkpoint, error) {
	var c registerlog.Checkpoint
	err := db.snapshot(ctx, func(q querier) error {
		var err error
		c, err = logHead(ctx, q)
		return err
	})
	return c, err
}

func logHead(ctx context.Context, q querier) (registerlog.Checkpoint, error) {
	c := registerlog.Checkpoint{}
	size, err := logSize(ctx, q)
	if err != nil {
		return c, err
	}
	c.Size = uint64(size)
	if size == 0 {
		c.Root = registerlog.Hasher{}.EmptyRoot()
		return c, nil
	}
	rng, err := logRange(ctx, q, c.Size)
	if err != nil {
		return c, err
	}
	c.Root, err = rng.GetRootHash(nil)
	return c, err
}

// prefectureCode is the prefecture's jurisdiction code: the log is the
// prefecture's, signed by its registration authority.
func (db *DB) prefectureCode(ctx context.Context) (string, error) {
	js, err := db.Jurisdictions(ctx)
	if err != nil {
		return "", err
	}
	for _, j := range js {
		if j.Kind == identity.Prefecture {
			return j.Code, nil
		}
	}
	return "", problem.New(problem.NotFound, "log.prefecture", "尚未设置州（市）辖区，登记簿日志无从签名")
}

// Checkpoint is a signed checkpoint as stored.
type Checkpoint struct {
	registerlog.Checkpoint
	Note     string
	KeyID    int64
	SignedAt time.Time
}

// SignCheckpoint signs the log's head with the prefecture registration
// authority's key when the log has grown since the last checkpoint (or
// when there is none), and returns the newest checkpoint and whether it
// signed one.
//
// The key signs only a log that extends every checkpoint it can hold the
// log to: the newest it signed and the largest a witness reported (each
// note's signature checked, not the columns beside it), and held, those
// the caller kept outside the database (serve keeps the last it signed,
// so that a log cut back with its checkpoint rows deleted too is refused
// while the server runs).
func (db *DB) SignCheckpoint(ctx context.Context, keys *certificate.Keyring, held ...registerlog.Checkpoint) (Checkpoint, bool, error) {
	pref, err := db.prefectureCode(ctx)
	if err != nil {
		return Checkpoint{}, false, err
	}
	signer, err := keys.Signer(pref)
	if err != nil {
		return Checkpoint{}, false, problem.Newf(problem.Refused, "log.key",
			"州登记机构（%s）的签名密钥未配置或未解锁，不能签出登记簿日志检查点（handover keys create --jurisdiction %s；启动时设置 HANDOVER_KEY_PASSPHRASE）", pref, pref)
	}
	// A checkpoint's note is checked with the unlocked key, or with the
	// prefecture's earlier keys (the notes they signed before a new key).
	verify, err := db.checkpointOpener(ctx, signer.Cert)
	if err != nil {
		return Checkpoint{}, false, err
	}
	var out Checkpoint
	signed := false
	err = db.transact(ctx, audit.System(), func(tx *Tx) error {
		if db.engine == Postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(7240002)`); err != nil {
				return err
			}
		}
		last, ok, err := latestCheckpoint(ctx, tx.q())
		if err != nil {
			return err
		}
		head, why, err := extendCheckpoint(ctx, tx.q(), verify, held)
		if err != nil {
			return err
		}
		if why != "" {
			return problem.Newf(problem.Conflict, "log.fork", "%s，拒绝签名：日志可能被截断或改写，请由系统管理员运行 handover audit verify 查明", why)
		}
		if ok && last.Size == head.Size {
			out = last
			return nil
		}
		head.Origin = registerlog.Origin(pref)
		note, err := registerlog.Sign(head, signer.Cert.RawSubjectPublicKeyInfo, signer.Sign)
		if err != nil {
			return err
		}
		out = Checkpoint{Checkpoint: head, Note: string(note), KeyID: signer.KeyID, SignedAt: tx.now}
		signed = true
		_, err = tx.exec(ctx, `INSERT INTO log_checkpoints (size, root, note, key_id, signed_at) VALUES ($1, $2, $3, $4, $5)`,
			int64(head.Size), head.Root, out.Note, signer.KeyID, tx.now)
		return err
	})
	return out, signed, err
}

// extendCheckpoint is the log's head as the largest checkpoint it must
// extend, extended by the leaves stored since. The checkpoints are held
// (the caller's), the newest signed and the largest witnessed, each read
// from its note (verify checks the signature): the log at each one's
// size must have its root. Why says what is wrong when the log does not
// extend them, or its stored nodes are not its leaves'; the leaves' own
// records are VerifyLog's to recompute.
func extendCheckpoint(ctx context.Context, q querier, verify func(note string) (registerlog.Checkpoint, error), held []registerlog.Checkpoint) (registerlog.Checkpoint, string, error) {
	var head registerlog.Checkpoint
	anchors := slices.Clone(held)
	for _, query := range []string{`SELECT note FROM log_checkpoints ORDER BY size DESC LIMIT 1`,
		`SELECT note FROM log_witnessed ORDER BY size DESC LIMIT 1`} {
		var note string
		err := q.QueryRowContext(ctx, query).Scan(&note)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return head, "", err
		}
		c, err := verify(note)
		if err != nil {
			return head, "保存的检查点签名无效（被改动，或不是本机构签出）", nil
		}
		anchors = append(anchors, c)
	}
	slices.SortFunc(anchors, func(a, b registerlog.Checkpoint) int { return cmp.Compare(a.Size, b.Size) })
	size, err := logSize(ctx, q)
	if err != nil {
		return head, "", err
	}
	rng := registerlog.Ranges().NewEmptyRange(0)
	for _, a := range anchors {
		if uint64(size) < a.Size {
			return head, fmt.Sprintf("登记簿日志只有 %d 个叶，少于已签检查点的 %d 个", size, a.Size), nil
		}
		root := registerlog.Hasher{}.EmptyRoot()
		if a.Size > 0 {
			r, err := logRange(ctx, q, a.Size)
			if errors.Is(err, errNodeMissing) {
				return head, fmt.Sprintf("登记簿日志缺少大小 %d 处的节点", a.Size), nil
			}
			if err != nil {
				return head, "", err
			}
			if root, err = r.GetRootHash(nil); err != nil {
				return head, "", err
			}
			rng = r
		}
		if !bytes.Equal(root, a.Root) {
			return head, fmt.Sprintf("登记簿日志不再包含已签检查点（大小 %d）的内容", a.Size), nil
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_leaves WHERE idx >= $1 ORDER BY idx`, int64(rng.End()))
	if err != nil {
		return head, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return head, "", err
		}
		if uint64(idx) != rng.End() {
			return head, fmt.Sprintf("登记簿日志缺少第 %d 个叶", rng.End()), nil
		}
		if err := rng.Append(h, nil); err != nil {
			return head, "", err
		}
	}
	if err := rows.Err(); err != nil {
		return head, "", err
	}
	head.Size, head.Root = rng.End(), registerlog.Hasher{}.EmptyRoot()
	if head.Size > 0 {
		if head.Root, err = rng.GetRootHash(nil); err != nil {
			return head, "", err
		}
	}
	stored, err := logHead(ctx, q)
	if errors.Is(err, errNodeMissing) || err == nil && (stored.Size != head.Size || !bytes.Equal(stored.Root, head.Root)) {
		return head, "登记簿日志存储的节点与其叶不符", nil
	}
	return head, "", err
}

// LatestCheckpoint is the newest signed checkpoint (ok false before the
// first).
func (db *DB) LatestCheckpoint(ctx context.Context) (Checkpoint, bool, error) {
	return latestCheckpoint(ctx, db.r())
}

func latestCheckpoint(ctx context.Context, q querier) (Checkpoint, bool, error) {
	var c Checkpoint
	var size int64
	err := q.QueryRowContext(ctx, `SELECT size, root, note, key_id, signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1`).
		Scan(&size, &c.Root, &c.Note, &c.KeyID, &c.SignedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	c.Size = uint64(size)
	if err == nil {
		if cp, perr := registerlog.ParseBody(c.Note); perr == nil {
			c.Origin = cp.Origin
		}
	}
	return c, err == nil, err
}

// LogProof is a proof from the log: the hashes, and the sizes it is for.
type LogProof struct {
	Index, Size, From uint64
	LeafHash          []byte // for an inclusion proof
	Hashes            [][]byte
}

// InclusionProof proves the leaf at index is in the log of size (at most
// the log's size now).
func (db *DB) InclusionProof(ctx context.Context, index, size uint64) (LogProof, error) {
	p := LogProof{Index: index, Size: size}
	err := db.snapshot(ctx, func(q querier) error {
		if err := withinLog(ctx, q, size); err != nil {
			return err
		}
		if index < size {
			if err := q.QueryRowContext(ctx, `SELECT hash FROM log_leaves WHERE idx = $1`, int64(index)).Scan(&p.LeafHash); err != nil {
				return err
			}
		}
		var err error
		p.Hashes, err = registerlog.InclusionProof(index, size, logNodes(ctx, q))
		return err
	})
	return p, err
}

// ConsistencyProof proves the log of size extends the log of from,
// unchanged.
func (db *DB) ConsistencyProof(ctx context.Context, from, size uint64) (LogProof, error) {
	p := LogProof{From: from, Size: size}
	err := db.snapshot(ctx, func(q querier) error {
		if err := withinLog(ctx, q, size); err != nil {
			return err
		}
		if from == 0 {
			return problem.New(problem.Invalid, "log.size", "较早的大小应至少为1")
		}
		var err error
		p.Hashes, err = registerlog.ConsistencyProof(from, size, logNodes(ctx, q))
		return err
	})
	return p, err
}

// withinLog refuses a proof to a size the log has not reached.
func withinLog(ctx context.Context, q querier, size uint64) error {
	have, err := logSize(ctx, q)
	if err != nil {
		return err
	}
	if size > uint64(have) {
		return problem.Newf(problem.Invalid, "log.size", "日志当前只有 %d 个叶，不能证明到大小 %d", have, size)
	}
	return nil
}

// LeafOf finds the leaf of a record: its index and hash (ok false when the
// log has not yet taken it in).
func (db *DB) LeafOf(ctx context.Context, kind string, id int64) (index uint64, hash []byte, ok bool, err error) {
	var idx int64
	err = db.r().QueryRowContext(ctx, `SELECT idx, hash FROM log_leaves WHERE kind = $1 AND record_id = $2`, kind, id).Scan(&idx, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	return uint64(idx), hash, err == nil, err
}

// WitnessedCheckpoints are the checkpoints partners reported having seen,
// by size.
func (db *DB) WitnessedCheckpoints(ctx context.Context) ([]registerlog.Checkpoint, error) {
	rows, err := db.r().QueryContext(ctx, `SELECT size, root FROM log_witnessed ORDER BY size, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []registerlog.Checkpoint
	for rows.Next() {
		var c registerlog.Checkpoint
		var size int64
		if err := rows.Scan(&size, &c.Root); err != nil {
			return nil, err
		}
		c.Size = uint64(size)
		out = append(out, c)
	}
	return out, rows.Err()
}

// LogCheck is the log recomputed from the records as they stand, set
// beside checkpoints held outside.
type LogCheck struct {
	Size uint64 // the leaves the log lists now
	Root []byte // the root recomputed from the records
	// Changed is the first leaf whose record is gone or no longer hashes
	// to the leaf stored (-1: none): what was rewritten, when the log's
	// own table was left alone.
	Changed       int64
	ChangedKind   string
	ChangedRecord int64
	Missing       bool // the record is gone
	// Gap is the first index missing from the log's own table (-1: none):
	// the log is not checked past it.
	Gap int64
	// Unlogged counts the records the log never took in that are older
	// than logGrace before its newest checkpoint was signed, or on SQLite
	// below the newest it took in (so every honest integration before it
	// would have taken them in): a record written into the past.
	// FirstUnlogged names one.
	Unlogged      int64
	FirstUnlogged string
	// StoredDiffers: the stored nodes, which the public proofs are read
	// from, are not the tree of the stored leaf hashes.
	StoredDiffers bool
	// Against is each checkpoint checked, smallest first; the first that
	// fails is the first inconsistent size.
	Against []CheckpointResult
}

// CheckpointResult is one checkpoint set beside the recomputed log.
type CheckpointResult struct {
	Size  uint64
	OK    bool
	Why   string // when not OK
	Label string // where the checkpoint came from
}

// OK reports whether the log is whole: every leaf's record unchanged, no
// leaf missing, no old record outside it, the stored nodes matching, and
// every checkpoint consistent.
func (c LogCheck) OK() bool {
	_, bad := c.FirstInconsistent()
	return c.Changed < 0 && c.Gap < 0 && c.Unlogged == 0 && !c.StoredDiffers && !bad
}

// FirstInconsistent is the smallest checkpoint the log fails (ok false
// when it is consistent with all).
func (c LogCheck) FirstInconsistent() (CheckpointResult, bool) {
	for _, r := range c.Against {
		if !r.OK {
			return r, true
		}
	}
	return CheckpointResult{}, false
}

// LabelledCheckpoint is a checkpoint to verify against, and where it came
// from (a file, a witness).
type LabelledCheckpoint struct {
	registerlog.Checkpoint
	Label string
}

// VerifyLog recomputes every leaf of the log from the records as they
// stand now (not from the hashes stored beside them, which whoever
// rewrote a record could rewrite too), in one snapshot, and checks the
// recomputed tree against each checkpoint: the log at the checkpoint's
// size must have its root. A record rewritten, deleted or truncated since
// a checkpoint fails it, whatever else was changed to match.
func (db *DB) VerifyLog(ctx context.Context, against []LabelledCheckpoint) (LogCheck, error) {
	sort.SliceStable(against, func(i, j int) bool { return against[i].Size < against[j].Size })
	check := LogCheck{Changed: -1, Gap: -1}
	err := db.snapshot(ctx, func(q querier) error {
		if err := unloggedRecords(ctx, q, db.engine, &check); err != nil {
			return err
		}
		rng := registerlog.Ranges().NewEmptyRange(0)
		next := 0 // the next checkpoint to set beside the tree
		settle := func(n uint64) error {
			for next < len(against) && against[next].Size == n {
				root := registerlog.Hasher{}.EmptyRoot()
				if n > 0 {
					var err error
					if root, err = rng.GetRootHash(nil); err != nil {
						return err
					}
				}
				r := CheckpointResult{Size: n, Label: against[next].Label, OK: bytes.Equal(root, against[next].Root)}
				if !r.OK {
					r.Why = "日志在该大小处的根哈希与检查点不符：此前的记录被改写或删除"
				}
				check.Against = append(check.Against, r)
				next++
			}
			return nil
		}
		if err := settle(0); err != nil {
			return err
		}
		// The tree of the stored leaf hashes, beside the recomputed one:
		// every node it makes is set beside the stored node (the public
		// proofs are read from those), so that a rewritten record is named
		// as that, and rewritten nodes as theirs.
		stored := registerlog.Ranges().NewEmptyRange(0)
		var visited []logNode
		visit := func(id compact.NodeID, h []byte) { visited = append(visited, logNode{id, h}) }
		var after int64 = -1
		for {
			rows, err := q.QueryContext(ctx, `SELECT idx, kind, record_id, hash FROM log_leaves WHERE idx > $1 ORDER BY idx LIMIT $2`, after, logBatch)
			if err != nil {
				return err
			}
			type leaf struct {
				idx, id int64
				kind    string
				hash    []byte
			}
			var page []leaf
			for rows.Next() {
				var l leaf
				if err := rows.Scan(&l.idx, &l.kind, &l.id, &l.hash); err != nil {
					rows.Close()
					return err
				}
				page = append(page, l)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(page) == 0 {
				break
			}
			contents := map[string]map[int64]any{}
			for _, kind := range []string{registerlog.AuditEvent, registerlog.RegisterEntry} {
				var ids []int64
				for _, l := range page {
					if l.kind == kind {
						ids = append(ids, l.id)
					}
				}
				if contents[kind], err = db.logContentsOf(ctx, q, kind, ids); err != nil {
					return err
				}
			}
			for _, l := range page {
				if uint64(l.idx) != rng.End() {
					// A leaf deleted from the log's own table.
					check.Size, check.Gap = rng.End(), int64(rng.End())
					return settleRest(&check, against[next:], "日志缺少叶 #"+fmt.Sprint(rng.End()))
				}
				c, ok := contents[l.kind][l.id]
				h := registerlog.Hasher{}.HashLeaf([]byte("missing " + l.kind))
				if ok {
					if h, err = registerlog.LeafHash(l.kind, l.id, c); err != nil {
						return err
					}
				}
				if check.Changed < 0 && (!ok || !bytes.Equal(h, l.hash)) {
					check.Changed, check.ChangedKind, check.ChangedRecord, check.Missing = l.idx, l.kind, l.id, !ok
				}
				if err := rng.Append(h, nil); err != nil {
					return err
				}
				if err := stored.Append(l.hash, visit); err != nil {
					return err
				}
				if err := settle(rng.End()); err != nil {
					return err
				}
			}
			after = page[len(page)-1].idx
			if !check.StoredDiffers {
				same, err := storedNodesAre(ctx, q, visited)
				if err != nil {
					return err
				}
				check.StoredDiffers = !same
			}
			visited = visited[:0]
		}
		check.Size = rng.End()
		if check.Size > 0 {
			var err error
			if check.Root, err = rng.GetRootHash(nil); err != nil {
				return err
			}
		} else {
			check.Root = registerlog.Hasher{}.EmptyRoot()
		}
		storedRoot := registerlog.Hasher{}.EmptyRoot()
		if stored.End() > 0 {
			var err error
			if storedRoot, err = stored.GetRootHash(nil); err != nil {
				return err
			}
		}
		head, err := logHead(ctx, q)
		if errors.Is(err, errNodeMissing) || err == nil && (head.Size != check.Size || !bytes.Equal(head.Root, storedRoot)) {
			check.StoredDiffers = true
		} else if err != nil {
			return err
		}
		return settleRest(&check, against[next:], "")
	})
	return check, err
}

// unloggedRecords counts the records the log never took in though an
// integration would have (none before the first checkpoint): older by
// logGrace than the newest checkpoint's signing, and on SQLite, where ids
// commit in order and the log takes in every id above the newest it holds,
// any below that one whatever its time (a record written later into a gap,
// dated now or ahead, would otherwise go unnamed).
func unloggedRecords(ctx context.Context, q querier, engine Engine, check *LogCheck) error {
	var signed time.Time
	err := q.QueryRowContext(ctx, `SELECT signed_at FROM log_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&signed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, kind := range []string{registerlog.AuditEvent, registerlog.RegisterEntry} {
		t := logTables[kind]
		var n int64
		var first sql.NullInt64
		due := `r.` + t.at + ` < $1` // an honest integration would have taken it in
		if engine != Postgres {
			due = `(` + due + ` OR r.id < (SELECT COALESCE(MAX(record_id), 0) FROM log_leaves WHERE kind = $2))`
		}
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*), MIN(r.id) FROM `+t.table+` r WHERE `+due+`
			AND NOT EXISTS (SELECT 1 FROM log_leaves l WHERE l.kind = $2 AND l.record_id = r.id)`, signed.Add(-logGrace), kind).Scan(&n, &first); err != nil {
			return err
		}
		if n > 0 && check.Unlogged == 0 {
			check.FirstUnlogged = fmt.Sprintf("%s #%d", registerlog.KindLabel(kind), first.Int64)
		}
		check.Unlogged += n
	}
	return nil
}

type logNode struct {
	id   compact.NodeID
	hash []byte
}

// storedNodesAre reports whether the stored nodes above the leaves are
// the nodes given (of one page of leaves), read a level at a time.
func storedNodesAre(ctx context.Context, q querier, nodes []logNode) (bool, error) {
	byLevel := map[uint][]logNode{}
	for _, n := range nodes {
		if n.id.Level > 0 { // level 0 is log_leaves' own hashes
			byLevel[n.id.Level] = append(byLevel[n.id.Level], n)
		}
	}
	for level, ns := range byLevel {
		lo, hi := ns[0].id.Index, ns[len(ns)-1].id.Index
		rows, err := q.QueryContext(ctx, `SELECT idx, hash FROM log_nodes WHERE level = $1 AND idx BETWEEN $2 AND $3`, int(level), int64(lo), int64(hi))
		if err != nil {
			return false, err
		}
		stored := map[uint64][]byte{}
		for rows.Next() {
			var idx int64
			var h []byte
			if err := rows.Scan(&idx, &h); err != nil {
				rows.Close()
				return false, err
			}
			stored[uint64(idx)] = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return false, err
		}
		for _, n := range ns {
			if !bytes.Equal(stored[n.id.Index], n.hash) {
				return false, nil
			}
		}
	}
	return true, nil
}

// settleRest fails the checkpoints larger than the log: a log shorter than
// a checkpoint it once had was truncated.
func settleRest(check *LogCheck, rest []LabelledCheckpoint, why string) error {
	for _, c := range rest {
		w := fmt.Sprintf("日志现有 %d 个叶，少于检查点的 %d 个：日志被截断", check.Size, c.Size)
		if why != "" {
			w = why + "，其后的叶无从核验，不能证明日志仍含检查点的内容"
		}
		check.Against = append(check.Against, CheckpointResult{Size: c.Size, Label: c.Label, Why: w})
	}
	return nil
}

// OpenCheckpoint reads a signed checkpoint of this platform's log, its
// signature checked with any of the prefecture authority's keys, old or
// current.
func (db *DB) OpenCheckpoint(ctx context.Context, note []byte) (registerlog.Checkpoint, error) {
	open, err := db.checkpointOpener(ctx, nil)
	if err != nil {
		return registerlog.Checkpoint{}, err
	}
	return open(string(note))
}

// checkpointOpener reads checkpoint notes of the prefecture's log: their
// signature checked with first (an unlocked key's certificate, when
// given) and then with each of the prefecture authority's stored keys.
// The keys are read once, here, so that the opener can be used inside a
// transaction.
func (db *DB) checkpointOpener(ctx context.Context, first *smx509.Certificate) (func(note string) (registerlog.Checkpoint, error), error) {
	pref, err := db.prefectureCode(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := db.Keys(ctx)
	if err != nil {
		return nil, err
	}
	var certs []*smx509.Certificate
	if first != nil {
		certs = append(certs, first)
	}
	for _, k := range keys {
		if c, err := certificate.ParseCertificate(k.CertPEM); err == nil && k.Jurisdiction == pref {
			certs = append(certs, c)
		}
	}
	return func(note string) (registerlog.Checkpoint, error) {
		var err error = problem.New(problem.Invalid, "log.signature", "州登记机构尚无签名密钥，无法核验检查点")
		for _, cert := range certs {
			var c registerlog.Checkpoint
			if c, err = registerlog.Open([]byte(note), registerlog.Origin(pref), cert.RawSubjectPublicKeyInfo,
				func(msg, sig []byte) bool { return certificate.VerifySignature(cert, msg, sig) }); err == nil {
				return c, nil
			}
		}
		return registerlog.Checkpoint{}, err
	}, nil
}

// Witnessed is what the log answers a partner reporting a checkpoint it
// holds: whether the log as stored still has that root at that size.
type Witnessed struct {
	Size       uint64
	Consistent bool
	LogSize    uint64
}

// ReportWitnessed records a checkpoint a partner (a witness) holds, its
// signature checked, and answers whether the log as stored is consistent
// with it. The record is the platform's promise to stay consistent with
// it: `handover audit verify` checks every one. The witness is the
// reporting organisation (a name given by a console, which has none); a
// witness reporting a checkpoint it already reported adds nothing.
func (db *DB) ReportWitnessed(ctx context.Context, actor audit.Actor, witness string, note []byte) (Witnessed, error) {
	if actor.OrgName != "" {
		witness = actor.OrgName
	}
	if err := problem.CheckText("witness", witness); err != nil || witness == "" || len([]rune(witness)) > 100 {
		return Witnessed{}, &problem.Error{Kind: problem.Invalid, Code: "log.witness", Message: "请填写见证方名称（不超过100字）",
			Fields: map[string]string{"witness": "请填写见证方名称"}}
	}
	pref, err := db.prefectureCode(ctx)
	if err != nil {
		return Witnessed{}, err
	}
	if err := decide(ctx, access.LogWitness, access.Target{Jurisdiction: pref}); err != nil {
		return Witnessed{}, err
	}
	c, err := db.OpenCheckpoint(ctx, note)
	if err != nil {
		return Witnessed{}, err
	}
	w := Witnessed{Size: c.Size}
	err = db.transact(ctx, actor, func(tx *Tx) error {
		head, err := logHead(ctx, tx.q())
		if err != nil {
			return err
		}
		w.LogSize = head.Size
		if c.Size <= head.Size {
			root := registerlog.Hasher{}.EmptyRoot()
			if c.Size > 0 {
				rng, err := logRange(ctx, tx.q(), c.Size)
				if err != nil {
					return err
				}
				if root, err = rng.GetRootHash(nil); err != nil {
					return err
				}
			}
			w.Consistent = bytes.Equal(root, c.Root)
		}
		var seen int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM log_witnessed WHERE witness = $1 AND size = $2 AND root = $3`,
			witness, int64(c.Size), c.Root).Scan(&seen); err != nil || seen > 0 {
			return err
		}
		if _, err := tx.exec(ctx, `INSERT INTO log_witnessed (witness, size, root, note, reported_at) VALUES ($1, $2, $3, $4, $5)`,
			witness, int64(c.Size), c.Root, string(note), tx.now); err != nil {
			return err
		}
		tx.Audit("log.witness", "log_checkpoint", int64(c.Size), map[string]any{"witness": witness, "consistent": w.Consistent})
		return nil
	})
	return w, err
}
