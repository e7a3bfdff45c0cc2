import Attestation
import Foundation
import GatewayAPI
import NIOSSL
import OpenAPIRuntime
import Storage

extension GatewayHandler {
    /// How long a rotated secret is still signed with, so receivers can move to the new one.
    static let secretOverlap: TimeInterval = 24 * 3600

    package func createWebhookEndpoint(_ input: Operations.CreateWebhookEndpoint.Input) async throws -> Operations.CreateWebhookEndpoint.Output {
        let caller = try await auditor.require(.bureau, for: "createWebhookEndpoint", caller: Caller.current)
        guard case .json(let body) = input.body else { throw Problem.unsupportedMediaType(nil) }
        return try await refusing("createWebhookEndpoint", caller: caller) {
            guard let url = URL(string: body.url), url.host != nil else {
                throw Problem.invalid(code: "webhook.url", "url is not an https URL", pointer: "/url")
            }
            if let refusal = await outbound.refusal(of: url) { throw Problem.invalid(code: "webhook.url", refusal, pointer: "/url") }
            let bundle = body.caBundle ?? ""
            if !bundle.isEmpty, (try? NIOSSLCertificate.fromPEMBytes(Array(bundle.utf8)))?.isEmpty ?? true {
                throw Problem.invalid(code: "webhook.ca-bundle", "caBundle is not PEM certificates", pointer: "/caBundle")
            }
            let secret = WebhookSecret.generate().text
            let endpoint = WebhookEndpoint(id: TimeOrderedID.make("whe_"), clientID: caller.client.id, url: body.url, caBundle: bundle,
                                           secret: secret, createdAt: Date())
            try await webhooks.addEndpoint(endpoint)
            _ = try await auditor.record([auditor.entry("createWebhookEndpoint", caller: caller, detail: "endpointId=\(endpoint.id)")])
            return .created(.init(body: .json(endpoint.view(showing: secret))))
        }
    }

    package func listWebhookEndpoints(_ input: Operations.ListWebhookEndpoints.Input) async throws -> Operations.ListWebhookEndpoints.Output {
        try await allow(nil, "listWebhookEndpoints") { caller in
            .ok(.init(body: .json(.init(endpoints: try await webhooks.endpoints(clientID: caller.client.id).map { $0.view() }))))
        }
    }

    package func getWebhookEndpoint(_ input: Operations.GetWebhookEndpoint.Input) async throws -> Operations.GetWebhookEndpoint.Output {
        try await allow(nil, "getWebhookEndpoint", detail: "endpointId=\(input.path.endpointId)") { caller in
            .ok(.init(body: .json(try await ownEndpoint(input.path.endpointId, of: caller).view())))
        }
    }

    package func deleteWebhookEndpoint(_ input: Operations.DeleteWebhookEndpoint.Input) async throws -> Operations.DeleteWebhookEndpoint.Output {
        let id = input.path.endpointId
        return try await allow(.bureau, "deleteWebhookEndpoint", detail: "endpointId=\(id)") { caller in
            _ = try await ownEndpoint(id, of: caller)
            guard let disabled = try await webhooks.disable(id, at: Date(), reason: "disabled by its client") else {
                throw Problem(.conflict, code: "webhook.disabled", title: "The endpoint is disabled", detail: "endpoint \(id) is disabled")
            }
            return .ok(.init(body: .json(disabled.view())))
        }
    }

    package func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws -> Operations.RotateWebhookSecret.Output {
        let id = input.path.endpointId
        return try await allow(.bureau, "rotateWebhookSecret", detail: "endpointId=\(id)") { caller in
            _ = try await ownEndpoint(id, of: caller)
            let secret = WebhookSecret.generate().text
            guard let rotated = try await webhooks.rotateSecret(id, to: secret, previousUntil: Date() + Self.secretOverlap) else {
                throw Problem(.conflict, code: "webhook.disabled", title: "The endpoint is disabled", detail: "endpoint \(id) is disabled")
            }
            return .ok(.init(body: .json(rotated.view(showing: secret))))
        }
    }

    /// One of the caller's endpoints; others' are "not found".
    func ownEndpoint(_ id: String, of caller: Caller) async throws -> WebhookEndpoint {
        guard TimeOrderedID.isWellFormed(id, prefix: "whe_"), let endpoint = try await webhooks.endpoint(id), endpoint.clientID == caller.client.id else {
            throw Problem.notFound("no webhook endpoint \(id) for client \(caller.client.id)")
        }
        return endpoint
    }
}

extension WebhookEndpoint {
    /// The endpoint as the contract shows it; its secret only when just made or rotated.
    func view(showing secret: String? = nil) -> Components.Schemas.WebhookEndpoint {
        .init(endpointId: id, url: url, status: .init(rawValue: status.rawValue) ?? .disabled, secret: secret, previousSecretUntil: previousUntil,
              createdAt: createdAt, disabledAt: disabledAt, disabledReason: disabledReason)
    }
}
