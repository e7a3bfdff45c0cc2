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

    /// Writes `body` to `file`, chunk by chunk (off the cooperative threads: ``BlockingIO``); returns
    /// how many lines it has that are not blank (as ``LineChunks`` reads them).
    @discardableResult
    func receive(_ body: HTTPBody, to file: URL) async throws -> Int {
        guard FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file.path])
        }
        let handle = try FileHandle(forWritingTo: file)
        var lines = 0
        var lineHasContent = false
        do {
            for try await chunk in body {
                try await BlockingIO.run { try handle.write(contentsOf: chunk) }
                for byte in chunk {
                    if byte == UInt8(ascii: "\n") {
                        if lineHasContent { lines += 1 }
                        lineHasContent = false
                    } else if LineChunks.isContent(byte) {
                        lineHasContent = true
                    }
                }
            }
            try await BlockingIO.run {
                try handle.synchronize()
                try handle.close()
            }
        } catch {
            try? handle.close()
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return lines + (lineHasContent ? 1 : 0)
    }
}
