import HTTPTypes
import Hummingbird

/// The methods each route of the contract answers, so that a path the contract declares, asked
/// with a method it does not, is answered `405 Method Not Allowed` with an `Allow` header
/// (RFC 9110 §15.5.6) rather than `404`: the resource is there, the method is not.
///
/// Read from the routes the generated code registers, so it cannot drift from the contract.
package struct AllowedMethods: Sendable {
    private let routes: [(path: [RouterPath.Element], methods: [HTTPRequest.Method])]

    package init(_ routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        var grouped: [(path: [RouterPath.Element], methods: [HTTPRequest.Method])] = []
        for route in routes {
            if let index = grouped.firstIndex(where: { $0.path == route.path.components }) {
                grouped[index].methods.append(route.method)
            } else {
                grouped.append((route.path.components, [route.method]))
            }
        }
        self.routes = grouped
    }

    /// The methods declared for `path`, or `nil` when no route has that path.
    package func methods(for path: String) -> [HTTPRequest.Method]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return routes.first { route in
            route.path.count == segments.count && zip(route.path, segments).allSatisfy { $0 ~= $1 }
        }?.methods
    }
}
