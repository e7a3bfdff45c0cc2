import Foundation

/// Files only their owner may read (private keys): created mode 0600 before any byte is written,
/// synced, then renamed into place, so no reader ever sees a partial or world-readable key.
package enum PrivateFile {
    package static func write(_ data: Data, to url: URL) throws(AttestationError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw AttestationError(.keyMalformed, "cannot write \(temporary.path)") }
        let written = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == data.count, rename(temporary.path, url.path) == 0 else {
            throw AttestationError(.keyMalformed, "cannot write \(url.path)")
        }
    }
}
