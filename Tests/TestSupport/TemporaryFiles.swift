import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where tests put their files: one folder per test process in the system's temporary directory,
/// removed when the process exits, so that a run leaves nothing behind (a gateway test's folder
/// alone holds a copy of the test archive; runs used to leave gigabytes in `/tmp`). The folders of
/// runs that never exited (killed, crashed) are removed by the next run.
///
/// ```swift
/// let folder = TemporaryFiles.url("creditgate-gateway")            // …/creditgate-test-run-4242/creditgate-gateway-<UUID>
/// let log = TemporaryFiles.url("audit", extension: "sqlite")
/// ```
public enum TemporaryFiles {
    /// A fresh path, `PREFIX-UUID[.EXTENSION]`, in this run's folder; nothing is created there.
    public static func url(_ prefix: String, extension ext: String? = nil) -> URL {
        root.appendingPathComponent("\(prefix)-\(UUID().uuidString)" + (ext.map { ".\($0)" } ?? ""))
    }

    private static let runPrefix = "creditgate-test-run-"

    /// This process's folder: made, and abandoned ones removed, on first use.
    static let root: URL = {
        let temporary = FileManager.default.temporaryDirectory
        removeAbandoned(in: temporary)
        let folder = temporary.appendingPathComponent("\(runPrefix)\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: TemporaryFiles.root) }
        return folder
    }()

    /// Removes the folders of test processes that no longer run.
    private static func removeAbandoned(in temporary: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(runPrefix) {
            guard let pid = pid_t(name.dropFirst(runPrefix.count)), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
}
