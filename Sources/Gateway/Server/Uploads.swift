import Foundation
import OpenAPIRuntime
import Storage

/// Where uploaded feeds are written as they arrive, so a feed of gigabytes never sits in memory.
struct Uploads: Sendable {
    let folder: URL

    init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Left over from a crash mid-upload: nothing refers to them.
        for stale in (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [] {
            try? FileManager.default.removeItem(at: stale)
        }
    }

    /// Writes `body` to a new file, chunk by chunk; the caller removes it. Also how many lines it
    /// has that are not blank.
    func receive(_ body: HTTPBody) async throws -> (file: URL, lines: Int) {
        let file = folder.appendingPathComponent(UUID().uuidString + ".feed")
        return (file, try await receive(body, to: file))
    }

    /// Writes `body` to `file` a MiB at a time (off the cooperative threads: ``BlockingIO``);
    /// returns how many lines it has that are not blank (as ``LineChunks`` reads them). The body
    /// arrives in chunks of a TLS record or so: a write and a thread hop for each was a tenth of
    /// the time a million-line upload took to arrive.
    @discardableResult
    func receive(_ body: HTTPBody, to file: URL) async throws -> Int {
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        let handle = try FileHandle(forWritingTo: file)
        var counter = LineCounter()
        var pending: [UInt8] = []
        pending.reserveCapacity(Self.writeSize)
        do {
            for try await chunk in body {
                counter.count(chunk)
                pending.append(contentsOf: chunk)
                if pending.count >= Self.writeSize {
                    try await BlockingIO.run { [pending] in try handle.write(contentsOf: pending) }
                    pending.removeAll(keepingCapacity: true)
                }
            }
            try await BlockingIO.run { [pending] in
                try handle.write(contentsOf: pending)
                try handle.synchronize()
                try handle.close()
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return counter.lines
    }

    private static let writeSize = 1 << 20

    /// Counts the lines that are not blank in bytes that arrive in pieces, a line possibly cut
    /// between two: line feeds found by ``LineChunks/lineFeed(in:from:)``, and a line's bytes looked at only until one
    /// makes it a candidate line (``LineChunks/isContent(_:)``), usually its first.
    struct LineCounter {
        private var complete = 0
        private var lineHasContent = false

        /// The lines counted so far, the last one too if it has no line feed.
        var lines: Int { complete + (lineHasContent ? 1 : 0) }

        mutating func count(_ piece: ArraySlice<UInt8>) {
            piece.withUnsafeBytes { bytes in
                var start = 0
                while start < bytes.count {
                    let found = LineChunks.lineFeed(in: bytes, from: start)
                    let end = found ?? bytes.count
                    if !lineHasContent { lineHasContent = bytes[start..<end].contains(where: LineChunks.isContent) }
                    guard found != nil else { return }
                    if lineHasContent { complete += 1 }
                    lineHasContent = false
                    start = end + 1
                }
            }
        }
    }
}
