import Foundation

/// The policies a service knows, by name.
///
/// ```swift
/// let catalog = try PolicyCatalog.bundled()
/// catalog.names  // ["appointment-2026", "appraisal-2026", "civil-service-2026", "public-institution-2026"]
/// catalog.policy(forPurpose: "appraisal")?.name  // "appraisal-2026"
/// ```
public struct PolicyCatalog: Sendable {
    public let policies: [String: Policy]

    public init(_ policies: [Policy]) {
        self.policies = Dictionary(policies.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public var names: [String] { policies.keys.sorted() }

    /// The policy serving a check purpose, if one does (``Policy/purposes``).
    public func policy(forPurpose code: String) -> Policy? {
        policies.values.first { $0.purposes?.contains(code) ?? false }
    }

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
        let policies = try files.map { try Policy.load(from: Data(contentsOf: $0)) }
        var servedBy: [String: String] = [:]
        for policy in policies {
            for purpose in policy.purposes ?? [] {
                if let other = servedBy.updateValue(policy.name, forKey: purpose) {
                    throw PolicyError(code: "policy.purpose", reason: "purpose \(purpose) is served by both \(other) and \(policy.name)")
                }
            }
        }
        return PolicyCatalog(policies)
    }
}
