import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error into an RFC 9457 `application/problem+json` response.
///
/// Handlers throw ``Problem``s; the generated OpenAPI code throws `ServerError`s (a body that does not
/// decode, a wrong content type); Hummingbird throws `HTTPError`s (no such route). Anything else is
/// a 500 whose type is logged. What is logged never includes the request: a `ServerError`'s
/// description carries the decoded body, ID numbers included.
package struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let stores: StoreUnavailability
    let allowed: AllowedMethods

    package init(stores: StoreUnavailability = .never, allowed: AllowedMethods = AllowedMethods([])) {
        self.stores = stores
        self.allowed = allowed
    }

    package func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            // No route for this method; if the path has routes, it is the method that is wrong.
            if let error = error as? any HTTPResponseError, error.status == .notFound, let methods = allowed.methods(for: request.uri.path) {
                return Self.response(for: .methodNotAllowed(request.method, allow: methods))
            }
            return Self.response(for: Self.problem(for: error, logger: context.logger, stores: stores))
        }
    }

    package static func problem(for error: any Error, logger: Logger, stores: StoreUnavailability = .never) -> Problem {
        if stores.isUnavailable(error) {
            logger.warning("a store is out of reach", metadata: ["error": "\(type(of: error))"])
            return .storeUnavailable
        }
        switch error {
        case let problem as Problem:
            return problem
        case let error as ServerError:
            if let problem = error.underlyingError as? Problem { return problem }
            if stores.isUnavailable(error.underlyingError) { return .storeUnavailable }
            if let decoding = error.underlyingError as? DecodingError { return .decoding(decoding) }
            switch error.httpStatus {
            case .unsupportedMediaType:
                return .unsupportedMediaType(error.request.headerFields[.contentType])
            case .badRequest:
                return .malformed("the request does not match the contract (\(error.operationID))")
            case .notFound:
                return .notFound("no such resource")
            default:
                logger.error("operation failed", metadata: ["operation": "\(error.operationID)", "error": "\(type(of: error.underlyingError))"])
                return .internalError
            }
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound: return .notFound("no such route")
            case .contentTooLarge: return .tooLarge
            default: return Problem(error.status, code: "http.\(error.status.code)", title: error.status.reasonPhrase)
            }
        default:
            logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return .internalError
        }
    }

    package static func response(for problem: Problem) -> Response {
        var headers: HTTPFields = [.contentType: Problem.contentType]
        if let retryAfter = problem.retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        if let allow = problem.allow { headers[.allow] = allow.map(\.rawValue).joined(separator: ", ") }
        return Response(status: problem.status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: problem.body)))
    }
}
