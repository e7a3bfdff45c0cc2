import Foundation
import Logging
import NIOConcurrencyHelpers

/// A configuration file (the client registry, the revocation list) that takes effect when it
/// changes, without a restart.
///
/// The file's modification time and size are looked at no more than once a second; when they
/// change the file is parsed again. A file that no longer parses leaves the last good value in
/// force and is logged: a half-written edit must not lock every client out.
package final class ReloadingFile<Value: Sendable>: Sendable {
    private struct State {
        var value: Value
        var stamp: Stamp?
        var lastLook: ContinuousClock.Instant
    }

    private struct Stamp: Equatable {
        var modified: Date
        var size: Int
    }

    package let url: URL
    private let parse: @Sendable (URL) throws -> Value
    private let logger: Logger
    private let state: NIOLockedValueBox<State>

    /// Parses the file now; a file that does not parse here is an error (the service must not start).
    package init(_ url: URL, logger: Logger, parse: @escaping @Sendable (URL) throws -> Value) throws {
        self.url = url
        self.parse = parse
        self.logger = logger
        let stamp = Self.stamp(url)
        state = NIOLockedValueBox(State(value: try parse(url), stamp: stamp, lastLook: .now))
    }

    package var value: Value {
        let now = ContinuousClock.now
        let (current, due) = state.withLockedValue { state -> (Value, Stamp??) in
            guard now - state.lastLook >= .seconds(1) else { return (state.value, nil) }
            state.lastLook = now
            let stamp = Self.stamp(url)
            return (state.value, stamp == state.stamp ? nil : .some(stamp))
        }
        guard let newStamp = due else { return current }
        do {
            let fresh = try parse(url)
            state.withLockedValue { $0.value = fresh; $0.stamp = newStamp }
            logger.info("reloaded", metadata: ["file": "\(url.path)"])
            return fresh
        } catch {
            state.withLockedValue { $0.stamp = newStamp }
            logger.error("reload failed; the previous version stays in force", metadata: ["file": "\(url.path)", "error": "\(error)"])
            return current
        }
    }

    private static func stamp(_ url: URL) -> Stamp? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
              let modified = attributes[.modificationDate] as? Date, let size = attributes[.size] as? Int else { return nil }
        return Stamp(modified: modified, size: size)
    }
}
