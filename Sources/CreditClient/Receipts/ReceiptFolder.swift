import Attestation
import Foundation

/// The folder where the client keeps its evidence: one receipt per answer (`chk_….receipt`), one
/// per batch job (`bat_….receipt`), the published keys (`keys.json`) and the largest audit
/// checkpoint seen (`checkpoint.txt`), which `credit audit consistency` holds the log to.
package struct ReceiptFolder: Sendable {
    package let url: URL

    package init(_ url: URL) { self.url = url }

    package var checkpointFile: URL { url.appendingPathComponent("checkpoint.txt") }
    package var keysFile: URL { url.appendingPathComponent("keys.json") }

    /// Saves a receipt as `name.receipt` and returns its path.
    @discardableResult
    package func save(_ receipt: Receipt, name: String) throws -> URL {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let file = url.appendingPathComponent("\(name).receipt")
        try receipt.write(to: file)
        return file
    }

    /// The checkpoint note last remembered, if any.
    package func savedCheckpoint() -> String? {
        try? String(contentsOf: checkpointFile, encoding: .utf8)
    }

    /// Remembers `note` when it is for a larger tree than the one remembered (the log only grows;
    /// `credit audit consistency` proves that it grew without rewriting).
    package func remember(checkpoint: Checkpoint, note: String, opening: (String) throws -> Checkpoint) throws {
        if let saved = savedCheckpoint(), let known = try? opening(saved), known.size >= checkpoint.size { return }
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try Data(note.utf8).write(to: checkpointFile, options: .atomic)
    }
}
