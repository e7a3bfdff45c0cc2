import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A PostgreSQL server of one test's own, which the test may stop and start again (the run's
/// shared server must stay up for the other tests). Made as `Scripts/with-postgres` makes the
/// run's: Debian's binaries, a cluster in a temporary folder owned by the `postgres` user when the
/// tests run as root, a free loopback port.
///
/// ```swift
/// let server = try PrivatePostgres()
/// try server.stop(); try server.start()
/// ```
public final class PrivatePostgres: Sendable {
    public let url: String
    let folder: URL
    let bin: URL
    let port: Int

    public init() throws {
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let version = versions.sorted(by: { $0.compare($1, options: .numeric) == .orderedAscending }).last else {
            throw Failure(reason: "PostgreSQL is not installed")
        }
        bin = URL(fileURLWithPath: "/usr/lib/postgresql/\(version)/bin")
        folder = TemporaryFiles.url("postgres")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        port = try Self.freePort()
        url = "postgres://postgres@127.0.0.1:\(port)/postgres?sslmode=disable"
        if getuid() == 0 { try Self.run("/bin/chown postgres: \(Self.quoted(folder.path))") }
        try asServer("initdb", ["-D", folder.appendingPathComponent("data").path, "--auth=trust", "--username=postgres", "--encoding=UTF8"])
        try start()
    }

    public func start() throws {
        try asServer("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-l", folder.appendingPathComponent("server.log").path, "-w",
                                "-o", "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(folder.path)", "start"])
    }

    /// A fast shutdown: sessions are ended, open transactions rolled back.
    public func stop() throws {
        try asServer("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "fast", "-w", "stop"])
    }

    deinit {
        try? asServer("pg_ctl", ["-D", folder.appendingPathComponent("data").path, "-m", "immediate", "-w", "stop"])
    }

    /// Runs a PostgreSQL tool with none of this process's descriptors but the standard three: the
    /// server it starts lives on, and would otherwise hold whatever was open here at that moment,
    /// among it the socket by which Foundation's `Process` learns that another test's child ended
    /// (swift-corelibs-foundation#4795); that test then waited for the end forever.
    private func asServer(_ tool: String, _ arguments: [String]) throws {
        let tool = [bin.appendingPathComponent(tool).path] + arguments
        let command = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + tool : tool
        let closingOthers = #"for fd in $(ls /proc/$$/fd); do [ "$fd" -gt 2 ] && exec {fd}>&-; done 2>/dev/null; exec "$@""#
        try Self.run((["/bin/bash", "-c", closingOthers, "bash"] + command).map(Self.quoted).joined(separator: " "), named: tool.joined(separator: " "))
    }

    private static func run(_ command: String, named name: String? = nil) throws {
        // system(3), not Foundation's Process: waiting on it from a test's task never returned once
        // pg_ctl had left the server running in the background.
        let status = system("\(command) >/dev/null 2>&1")
        guard status == 0 else { throw Failure(reason: "\((name ?? command).prefix(60))… exited \(status)") }
    }

    private static func quoted(_ argument: String) -> String {
        "'" + argument.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func freePort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw Failure(reason: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    public struct Failure: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "private PostgreSQL: \(reason)" }
    }
}
