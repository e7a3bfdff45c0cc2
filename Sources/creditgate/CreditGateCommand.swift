import ArgumentParser

@main
struct CreditGateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "creditgate",
        abstract: "The CreditGate recruitment credit-check service and its archive tools.",
        subcommands: [DemoCommand.self, ServeCommand.self, CertsCommand.self, ArchiveCommand.self, KeysCommand.self, AuditCommand.self, MigrateCommand.self, WitnessCommand.self]
    )
}
