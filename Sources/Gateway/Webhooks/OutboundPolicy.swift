#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Where the gateway may send webhooks: no server-side request forgery.
///
/// An endpoint's host must resolve only to public addresses — never loopback, private, link-local,
/// shared (CGNAT), unique-local, multicast or unspecified ones — unless the configuration allows it
/// by name or by network (`webhooks.allow`: `"receiver.hr.example"`, `"10.20.0.0/16"`,
/// `"127.0.0.1"`). It is checked when an endpoint is registered and again before every round of
/// attempts, so a name that comes to resolve inward is refused then.
struct OutboundPolicy: Sendable {
    private let names: Set<String>
    private let networks: [Network]

    /// A network given as an address and a prefix length.
    struct Network: Sendable, Hashable {
        var address: [UInt8]
        var prefix: Int

        func contains(_ other: [UInt8]) -> Bool {
            guard other.count == address.count else { return false }
            var bits = prefix
            for (a, b) in zip(address, other) where bits > 0 {
                let mask: UInt8 = bits >= 8 ? 0xFF : ~(0xFF >> UInt8(bits))
                if a & mask != b & mask { return false }
                bits -= 8
            }
            return true
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        var entry: String
        var description: String { "webhooks.allow: \(entry) is neither a host name nor an address or network (a.b.c.d/n, x::y/n)" }
    }

    init(allowing entries: [String]) throws {
        var names: Set<String> = []
        var networks: [Network] = []
        for entry in entries.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            if let address = Self.address(parts[0]) {
                let prefix = parts.count == 2 ? Int(parts[1]) : address.count * 8
                guard let prefix, (0...address.count * 8).contains(prefix) else { throw Invalid(entry: entry) }
                networks.append(Network(address: address, prefix: prefix))
            } else {
                guard parts.count == 1, entry.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { throw Invalid(entry: entry) }
                names.insert(entry)
            }
        }
        (self.names, self.networks) = (names, networks)
    }

    /// Why `url` may not be called, or nil when it may: an `https` URL whose host is allowed by name,
    /// or whose every address is public or inside an allowed network.
    func refusal(of url: URL) async -> String? {
        guard url.scheme?.lowercased() == "https", let host = url.host?.lowercased(), !host.isEmpty else { return "the URL is not https://host/…" }
        guard url.user == nil, url.password == nil else { return "the URL carries credentials" }
        if names.contains(host) { return nil }
        let addresses = await Self.resolve(host)
        guard !addresses.isEmpty else { return "\(host) does not resolve" }
        for address in addresses where !networks.contains(where: { $0.contains(address) }) && Self.isInternal(address) {
            return "\(host) resolves to an internal address, which webhooks.allow does not name"
        }
        return nil
    }

    /// The well-known networks that are not the public internet.
    private static let internalNetworks: [Network] = [
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.168.0.0/16",
        "198.18.0.0/15", "224.0.0.0/3", "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b::/96", "fc00::/7", "fe80::/10", "ff00::/8",
    ].map { text in
        let parts = text.split(separator: "/")
        return Network(address: address(String(parts[0]))!, prefix: Int(parts[1])!)
    }

    static func isInternal(_ address: [UInt8]) -> Bool { internalNetworks.contains { $0.contains(address) } }

    /// The bytes of a literal IPv4 or IPv6 address.
    static func address(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")), &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }

    /// Every address `host` resolves to (getaddrinfo blocks: on a thread of its own).
    static func resolve(_ host: String) async -> [[UInt8]] {
        if let literal = address(host) { return [literal] }
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var hints = addrinfo()
                hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
                var list: UnsafeMutablePointer<addrinfo>?
                guard getaddrinfo(host, nil, &hints, &list) == 0 else { return continuation.resume(returning: []) }
                defer { freeaddrinfo(list) }
                var found: [[UInt8]] = []
                var next = list
                while let info = next?.pointee {
                    if info.ai_family == AF_INET, let address = info.ai_addr {
                        address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { var a = $0.pointee.sin_addr; found.append(withUnsafeBytes(of: &a) { Array($0) }) }
                    } else if info.ai_family == AF_INET6, let address = info.ai_addr {
                        address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { var a = $0.pointee.sin6_addr; found.append(withUnsafeBytes(of: &a) { Array($0) }) }
                    }
                    next = info.ai_next
                }
                continuation.resume(returning: found)
            }
        }
    }
}
