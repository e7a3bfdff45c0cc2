import ArchiveClient
import Foundation
import GRDB
import GRDBSQLite

/// Direct binding and stepping on a GRDB-prepared statement.
///
/// GRDB's `StatementArguments` allocate an array of values per execution; an import binds twenty
/// columns for each of ten million rows, a lookup runs millions of point queries, and a 1M-line
/// batch job writes two million audit rows and a million answers, so the hot paths bind and read
/// through the SQLite C API on statements GRDB prepared and caches.
struct RawStatement {
    /// Kept to keep the prepared statement alive: GRDB finalizes it when the object goes.
    private let statement: Statement
    let handle: OpaquePointer

    init(_ statement: Statement) {
        self.statement = statement
        self.handle = statement.sqliteStatement
    }

    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    @inline(__always) func bind(_ index: Int32, _ value: Int64?) {
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    @inline(__always) func bind(_ index: Int32, _ value: Int?) {
        bind(index, value.map(Int64.init))
    }

    @inline(__always) func bind(_ index: Int32, _ value: String?) {
        guard var value else {
            sqlite3_bind_null(handle, index)
            return
        }
        value.withUTF8 { utf8 in
            _ = sqlite3_bind_text(handle, index, utf8.baseAddress, Int32(utf8.count), RawStatement.transient)
        }
    }

    @inline(__always) func bind(_ index: Int32, _ value: Double) {
        sqlite3_bind_double(handle, index, value)
    }

    @inline(__always) func bind(_ index: Int32, blob: some ContiguousBytes) {
        blob.withUnsafeBytes { bytes in
            _ = sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), RawStatement.transient)
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ db: Database) throws {
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage) }
    }

    /// The first column of the first row, for single-value queries (`SELECT MAX(id) ...`).
    func firstInt64(_ db: Database) throws -> Int64? {
        var value: Int64?
        try forEachRow(db) { row in if value == nil { value = row.int64(0) } }
        return value
    }

    /// Steps through result rows, calling `row` for each; resets afterwards.
    func forEachRow(_ db: Database, _ row: (RawRow) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: code), message: db.lastErrorMessage) }
            try row(RawRow(handle: handle))
        }
    }
}

/// The current row of a stepping statement.
struct RawRow {
    let handle: OpaquePointer

    @inline(__always) func int64(_ column: Int32) -> Int64? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_int64(handle, column)
    }

    @inline(__always) func int(_ column: Int32) -> Int? { int64(column).map(Int.init) }

    /// The column's bytes (copied: they are valid only until the next step).
    @inline(__always) func blob(_ column: Int32) -> [UInt8]? {
        let count = Int(sqlite3_column_bytes(handle, column))
        guard let pointer = sqlite3_column_blob(handle, column) else { return count == 0 ? [] : nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    @inline(__always) func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}
