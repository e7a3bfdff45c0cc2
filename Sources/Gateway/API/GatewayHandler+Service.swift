import ArchiveClient
import Attestation
import CreditCore
import Foundation
import GatewayAPI
import OpenAPIRuntime

extension GatewayHandler {
    package func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        try await allow(nil, "getHealth") { _ in .ok(.init(body: .json(.init(status: .ok)))) }
    }

    package func getReadiness(_ input: Operations.GetReadiness.Input) async throws -> Operations.GetReadiness.Output {
        try await allow(nil, "getReadiness") { _ in
            let version: ArchiveClient.ArchiveVersion
            let keyID: String
            do {
                version = try await archive.version()
                keyID = try state.keys.activeKey().keyID
            } catch {
                if auditor.stores.isUnavailable(error) { throw Problem.storeUnavailable }
                throw Problem.notReady("the archive or the signing key cannot be read")
            }
            return .ok(.init(body: .json(.init(status: .ready, archive: .init(version), keyId: keyID))))
        }
    }

    package func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        try await allow(nil, "getMetrics") { _ in .ok(.init(body: .plainText(HTTPBody(metrics.exposition)))) }
    }

    package func getContract(_ input: Operations.GetContract.Input) async throws -> Operations.GetContract.Output {
        try await allow(nil, "getContract") { _ in .ok(.init(body: .yaml(HTTPBody(contract)))) }
    }
}
