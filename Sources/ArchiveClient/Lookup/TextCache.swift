import Synchronization

/// The interned texts (`texts` table) in memory, indexed by id, shared by all lookups of an archive.
///
/// Lookups decode every hit's court, area, situation and other interned fields, so these must cost
/// an array index, not a query. Ids are never reassigned once committed and readers only see
/// committed rows, so the table is a cache that only grows: each lookup first adds the rows its
/// snapshot sees beyond the highest id already read (``missing(upTo:)``, ``add(_:upTo:)``), then
/// uses an immutable copy without locking.
package final class TextCache: Sendable {
    private let state = Mutex<(texts: [String?], highWater: Int64)>(([nil], 0))

    package init() {}

    /// The ids a snapshot whose newest text is `newest` sees and the cache lacks; `nil` if none.
    package func missing(upTo newest: Int64) -> ClosedRange<Int64>? {
        let highWater = state.withLock { $0.highWater }
        return newest > highWater ? (highWater + 1)...newest : nil
    }

    /// Adds the rows read for ``missing(upTo:)``.
    package func add(_ rows: [(id: Int64, text: String)], upTo newest: Int64) {
        state.withLock { state in
            for (id, text) in rows where id > 0 {
                if id >= state.texts.count { state.texts.append(contentsOf: repeatElement(nil, count: Int(id) - state.texts.count + 1)) }
                state.texts[Int(id)] = text
            }
            state.highWater = max(state.highWater, newest)
        }
    }

    /// The texts by id (or more: extra ids are never referred to by an older snapshot).
    package var texts: [String?] { state.withLock { $0.texts } }
}
