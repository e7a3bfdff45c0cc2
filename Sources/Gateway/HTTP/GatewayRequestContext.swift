import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the connection, from which the caller's
/// client certificate is read.
package struct GatewayRequestContext: RequestContext {
    package var coreContext: CoreRequestContextStorage
    package let channel: any Channel

    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}
