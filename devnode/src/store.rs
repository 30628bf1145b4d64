//! SQLite storage: events with their CAR bytes (the rowid is the feed order and the resume
//! token), streams with their tips and concluded state, anchor requests, interests.
//! WAL mode with `synchronous=FULL`: a commit is on disk before the node answers 204.

use std::path::Path;

use cid::Cid;
use rusqlite::{params, Connection, OptionalExtension};

/// Storage errors (always answered as 500).
pub type DbResult<T> = Result<T, rusqlite::Error>;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS events (
    rowid      INTEGER PRIMARY KEY AUTOINCREMENT,
    cid        BLOB NOT NULL UNIQUE,
    stream_cid BLOB NOT NULL,
    kind       TEXT NOT NULL,
    car        BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_by_stream ON events(stream_cid, rowid);
CREATE TABLE IF NOT EXISTS streams (
    stream_cid   BLOB PRIMARY KEY,
    stream_id    TEXT NOT NULL UNIQUE,
    controller   TEXT NOT NULL,
    model        BLOB NOT NULL,
    unique_value BLOB,
    context      BLOB,
    tip          BLOB NOT NULL,
    state        TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS anchor_requests (
    stream_cid   BLOB PRIMARY KEY,
    tip          BLOB NOT NULL,
    requested_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS interests (
    sep        TEXT NOT NULL,
    sep_value  TEXT NOT NULL,
    controller TEXT NOT NULL DEFAULT '',
    stream_id  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (sep, sep_value, controller, stream_id)
);
";

/// Open (and create) the database in `dir`: the writer's connection, which sets WAL mode and
/// creates the tables.
pub fn open(dir: &Path) -> DbResult<Connection> {
    let conn = connect(dir)?;
    // SQLite opens a file it cannot write read-only without a word; the node would then start,
    // serve reads and fail every write. Refuse to start instead, and say why.
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_READONLY),
            Some(format!(
                "the store {} is read-only: the node needs to write there",
                dir.display()
            )),
        ));
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// A connection of the read pool to the database [`open`] made: no schema statements (they are
/// writes, which would contend with the writer for its lock). It still writes interests
/// (`POST /ceramic/interests`), as single autocommit statements that wait for the lock.
pub fn open_reader(dir: &Path) -> DbResult<Connection> {
    connect(dir)
}

fn connect(dir: &Path) -> DbResult<Connection> {
    let conn = Connection::open(dir.join("devnode.sqlite3"))?;
    // The busy handler before any statement: one run without it (the journal-mode pragma, the
    // schema) meets a lock held elsewhere — WAL recovery after a crash, a node still shutting
    // down — with "database is locked" at once instead of waiting.
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

/// A stored stream row.
#[derive(Debug, Clone)]
pub struct StreamRow {
    /// StreamID string.
    pub stream_id: String,
    /// Controller DID.
    pub controller: String,
    /// Model StreamID bytes.
    pub model: Vec<u8>,
    /// Unique bytes.
    pub unique: Option<Vec<u8>>,
    /// Context StreamID bytes.
    pub context: Option<Vec<u8>>,
    /// Tip event CID.
    pub tip: Cid,
    /// `{metadata, content}` JSON.
    pub state: String,
}

fn cid_col(bytes: Vec<u8>) -> rusqlite::Result<Cid> {
    Cid::try_from(bytes.as_slice()).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Blob, Box::new(e))
    })
}

/// Whether an event is stored.
pub fn has_event(conn: &Connection, cid: &Cid) -> DbResult<bool> {
    conn.query_row(
        "SELECT 1 FROM events WHERE cid = ?1",
        [cid.to_bytes()],
        |_| Ok(()),
    )
    .optional()
    .map(|o| o.is_some())
}

/// An event's CAR bytes.
pub fn event_car(conn: &Connection, cid: &Cid) -> DbResult<Option<Vec<u8>>> {
    conn.query_row(
        "SELECT car FROM events WHERE cid = ?1",
        [cid.to_bytes()],
        |r| r.get(0),
    )
    .optional()
}

/// Every event CAR of a stream stored before rowid `before`, in the order they were stored.
pub fn stream_cars(conn: &Connection, stream_cid: &Cid, before: i64) -> DbResult<Vec<Vec<u8>>> {
    let mut st = conn.prepare_cached(
        "SELECT car FROM events WHERE stream_cid = ?1 AND rowid < ?2 ORDER BY rowid",
    )?;
    let rows = st.query_map(params![stream_cid.to_bytes(), before], |r| r.get(0))?;
    rows.collect()
}

/// A stream row by its genesis CID.
pub fn stream(conn: &Connection, stream_cid: &Cid) -> DbResult<Option<StreamRow>> {
    conn.query_row(
        "SELECT stream_id, controller, model, unique_value, context, tip, state FROM streams WHERE stream_cid = ?1",
        [stream_cid.to_bytes()],
        |r| {
            Ok(StreamRow {
                stream_id: r.get(0)?,
                controller: r.get(1)?,
                model: r.get(2)?,
                unique: r.get(3)?,
                context: r.get(4)?,
                tip: cid_col(r.get(5)?)?,
                state: r.get(6)?,
            })
        },
    )
    .optional()
}

/// A row of the feed: its position (rowid), the event CID, the CAR if asked for.
pub type FeedRow = (i64, Cid, Option<Vec<u8>>);

/// One page of the feed: events with `from` ≤ rowid < `before`, at most `limit`, with CARs if
/// asked.
pub fn feed(
    conn: &Connection,
    from: i64,
    before: i64,
    limit: i64,
    with_data: bool,
) -> DbResult<Vec<FeedRow>> {
    let sql = if with_data {
        "SELECT rowid, cid, car FROM events WHERE rowid >= ?1 AND rowid < ?3 ORDER BY rowid LIMIT ?2"
    } else {
        "SELECT rowid, cid, NULL FROM events WHERE rowid >= ?1 AND rowid < ?3 ORDER BY rowid LIMIT ?2"
    };
    let mut st = conn.prepare_cached(sql)?;
    let rows = st.query_map(params![from, limit, before], |r| {
        Ok((r.get(0)?, cid_col(r.get(1)?)?, r.get(2)?))
    })?;
    rows.collect()
}

/// The next rowid the feed will hand out (the "start from now" resume token), at most `before`.
pub fn high_water(conn: &Connection, before: i64) -> DbResult<i64> {
    conn.query_row(
        "SELECT COALESCE(MAX(rowid), 0) + 1 FROM events WHERE rowid < ?1",
        [before],
        |r| r.get(0),
    )
}

/// Record an interest (idempotent).
pub fn add_interest(
    conn: &Connection,
    sep: &str,
    sep_value: &str,
    controller: &str,
    stream_id: &str,
) -> DbResult<()> {
    conn.execute(
        "INSERT OR IGNORE INTO interests (sep, sep_value, controller, stream_id) VALUES (?1, ?2, ?3, ?4)",
        params![sep, sep_value, controller, stream_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store opens, writer and readers, while another connection holds the write lock.
    #[test]
    fn opening_waits_for_a_held_lock() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()).unwrap());
        let holder = Connection::open(dir.path().join("devnode.sqlite3")).unwrap();
        holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            holder.execute_batch("COMMIT").unwrap();
        });
        let writer = open(dir.path());
        let reader = open_reader(dir.path());
        release.join().unwrap();
        assert!(writer.is_ok(), "{:?}", writer.err());
        assert!(reader.is_ok(), "{:?}", reader.err());
    }
}
