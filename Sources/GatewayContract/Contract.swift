import Foundation

/// The OpenAPI document (`openapi/openapi.yaml` at the top of the repository links here), bundled so
/// that the gateway serves the very document its code was generated from. (A target of its own:
/// the generated code's `package` imports and a resource bundle's accessor cannot share a module.)
package enum Contract {
    /// The document's bytes.
    package static func document() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }
}
