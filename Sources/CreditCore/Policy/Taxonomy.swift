import Foundation

/// The categories a dishonesty record may belong to. Cities use different schemes (Changsha: six
/// credit categories; Qingdao: 3 classes, 18 items), so the taxonomy is data, loaded from JSON.
///
/// ```swift
/// let taxonomy = try Taxonomy.bundled(named: "changsha-2023")
/// taxonomy.category(for: "廉洁信用")?.code  // "integrity"
/// ```
public struct Taxonomy: Codable, Sendable, Hashable {
    public struct Category: Codable, Sendable, Hashable {
        public var code: String
        public var label: String
    }

    public var name: String
    public var title: String
    public var categories: [Category]

    /// Finds a category by its code or its label (feeds use either).
    public func category(for text: String) -> Category? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        return categories.first { $0.code == trimmed || $0.label == trimmed }
    }

    public static func load(from data: Data) throws -> Taxonomy {
        try JSONDecoder().decode(Taxonomy.self, from: data)
    }

    public static func bundled(named name: String = "changsha-2023") throws -> Taxonomy {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "taxonomies") else {
            throw PolicyError(code: "taxonomy.unknown", reason: "no bundled taxonomy named \(name)")
        }
        return try load(from: Data(contentsOf: url))
    }
}
