import Foundation
import GatewayAPI
import HTTPTypes
@_spi(Generated) import OpenAPIRuntime

/// An answer and its JSON as sent (`json`). The value the contract describes is made only when
/// asked for (by the generated route a test may call): ``AnswerRoutes`` sends `json` and needs none.
struct SentAnswer<Value: Sendable>: Sendable {
    let value: @Sendable () -> Value
    let json: Data
}

/// Where the generated server registers its routes, with the two operations that answer checks
/// (`createCheck`, `createBatchCheck`) sending the JSON already made of their answers.
///
/// Every answer is encoded once as canonical JSON, before its receipt exists: its audit digest is
/// taken over those bytes and the store keeps them (``EncodedAnswer``). The generated server would
/// encode the answer a second time with `JSONEncoder`; for an inline batch of 10,000 that was about
/// half of its time, for a single check a tenth of the gateway's CPU. So these two routes are the
/// generated ones with the last step changed: the request is read by the same `UniversalServer`
/// calls the generated code makes (the same content negotiation, decoding and errors, which
/// ``ProblemMiddleware`` answers), the handler's method is run, and its ``SentAnswer/json`` is the
/// body. The contract stays the judge: the generated client decodes every answer in the tests, and
/// schemathesis validates every response against it.
struct AnswerRoutes: ServerTransport {
    let routes: any ServerTransport
    let server: UniversalServer<GatewayHandler>

    init(on routes: any ServerTransport, handler: GatewayHandler, configuration: Configuration) {
        self.routes = routes
        server = UniversalServer(handler: handler, configuration: configuration)
    }

    typealias Handler = @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)

    func register(_ generated: @escaping Handler, method: HTTPRequest.Method, path: String) throws {
        let handler: Handler = switch (method, path) {
        case (.post, "/v1/checks"):
            route(Operations.CreateCheck.id, answer: { $0.checkAnswer }) {
                (accept: [AcceptHeaderContentType<Operations.CreateCheck.AcceptableContentType>], body: Components.Schemas.CheckRequest) in
                Operations.CreateCheck.Input(headers: .init(accept: accept), body: .json(body))
            }
        case (.post, "/v1/checks/batch"):
            route(Operations.CreateBatchCheck.id, answer: { $0.batchCheckAnswer }) {
                (accept: [AcceptHeaderContentType<Operations.CreateBatchCheck.AcceptableContentType>], body: Components.Schemas.BatchCheckRequest) in
                Operations.CreateBatchCheck.Input(headers: .init(accept: accept), body: .json(body))
            }
        default: generated
        }
        try routes.register(handler, method: method, path: path)
    }

    /// An operation whose request is read as the generated deserializers read one (the `Accept`
    /// header, then a required JSON body), and whose 200 is the answer's JSON, with the content type
    /// and the `Accept` check of the generated serializers.
    private func route<Acceptable: AcceptableProtocol, Body: Decodable & Sendable, Input: Sendable, Value: Sendable>(
        _ operationID: String, answer: @escaping @Sendable (GatewayHandler) -> (Input) async throws -> SentAnswer<Value>,
        input: @escaping @Sendable ([AcceptHeaderContentType<Acceptable>], Body) -> Input
    ) -> Handler {
        { [server] request, body, metadata in
            let converter = server.converter
            return try await server.handle(
                request: request, requestBody: body, metadata: metadata, forOperation: operationID, using: answer,
                deserializer: { request, body, _ in
                    let accept: [AcceptHeaderContentType<Acceptable>] = try converter.extractAcceptHeaderIfPresent(in: request.headerFields)
                    _ = try converter.bestContentType(received: converter.extractContentTypeIfPresent(in: request.headerFields), options: ["application/json"])
                    return input(accept, try await converter.getRequiredRequestBodyAsJSON(Body.self, from: body, transforming: { $0 }))
                },
                serializer: { answer, request in
                    try converter.validateAcceptIfPresent("application/json", in: request.headerFields)
                    return (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"]), HTTPBody(answer.json))
                })
        }
    }
}
