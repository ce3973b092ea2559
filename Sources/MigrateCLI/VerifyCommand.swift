import ArgumentParser
import UseCases

/// `migrate verify PLAN.yaml`: compares each share's source and target without freezing
/// anything (rclone check, XCP verify): for rehearsals and before the weekend.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Compare source and target of every share (nothing is changed or frozen); exit 1 on differences.",
        discussion: """
        Every entry on both sides: kind, size, write and create times, attributes, alternate data streams, owner, \
        group, DACL and its protected flag after the SID map. File content is compared with --checksum (every file, \
        SHA-256 of both sides) or --sample N (N files picked at random). The source is not frozen, so what users \
        changed since the last pass shows as a difference. Exit status: 0 identical, 1 differences or a share that \
        could not be compared, 2 bad input.
        """
    )

    @OptionGroup var plan: PlanShares

    @Flag(name: .long, help: "Read every file on both sides and compare SHA-256 checksums.")
    var checksum = false

    @Option(name: .long, help: "Compare the content of this many files, picked at random.")
    var sample: Int?

    @Flag(name: .long, help: "Do not compare owners and ACLs.")
    var noAcls = false

    @Option(name: .long, help: "Folder for the reports (default: reports/ beside the catalog).")
    var report: String?

    @OptionGroup var operatorOption: OperatorOption

    func validate() throws {
        if checksum && sample != nil { throw ValidationError("--checksum and --sample exclude each other") }
        if let sample, sample < 1 { throw ValidationError("--sample must be 1 or more") }
    }

    func run() throws {
        var verify = VerifyPlan(planFile: plan.planFile)
        verify.shares = plan.shares
        verify.content = checksum ? .all : sample.map { .sample($0) } ?? .none
        verify.compareSecurity = !noAcls
        verify.reportFolder = report
        verify.operatorName = operatorOption.resolved
        try perform { console throws(UseCaseError) in try verify.run(output: console) }
    }
}
