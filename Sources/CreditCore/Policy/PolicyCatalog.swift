import Foundation

/// The policies a service knows, by name.
///
/// ```swift
/// let catalog = try PolicyCatalog.bundled()
/// catalog.names  // ["civil-service-2026", "public-institution-2026"]
/// ```
public struct PolicyCatalog: Sendable {
    public let policies: [String: Policy]

    public init(_ policies: [Policy]) {
        self.policies = Dictionary(policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var names: [String] { policies.keys.sorted() }

    public func policy(named name: String) throws(PolicyError) -> Policy {
        guard let policy = policies[name] else {
            throw PolicyError(code: "policy.unknown", reason: "no policy named \(name); known: \(names.joined(separator: ", "))")
        }
        return policy
    }

    /// The policies shipped with CreditCore.
    public static func bundled() throws -> PolicyCatalog {
        guard let folder = Bundle.module.url(forResource: "policies", withExtension: nil) else {
            throw PolicyError(code: "policy.resources", reason: "the bundled policies folder is missing")
        }
        return try load(folder: folder)
    }

    /// Every `*.json` file in a folder.
    public static func load(folder: URL) throws -> PolicyCatalog {
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        return PolicyCatalog(try files.map { try Policy.load(from: Data(contentsOf: $0)) })
    }
}
