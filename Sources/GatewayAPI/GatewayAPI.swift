// The types, server protocol and client generated from `openapi.yaml` (a link to the contract in
// GatewayContract) at build time by swift-openapi-generator's build plugin: the contract is the only
// source of the HTTP surface, so the code cannot drift from it. The gateway implements
// `APIProtocol`; the `credit` client uses `Client`.
