import XCTest
@testable import SMBKit

/// What the guest check accepts as "the plan's account" from the server's `AUTHORITY\account`.
final class LoggedOnAccountTests: XCTestCase {
    func c(_ user: String, domain: String = "") -> SMBCredentials { SMBCredentials(domain: domain, user: user, password: "") }

    func testTheAccountAndTheDomainTheServerNamesMustBeThePlans() {
        XCTAssertTrue(LoggedOnAccount.matches("LEGACY2003\\migrator", c("migrator")), "no domain in the plan: the account decides")
        XCTAssertTrue(LoggedOnAccount.matches("OLDCORP\\Migrator", c("migrator", domain: "oldcorp")), "names compare without case")
        XCTAssertTrue(LoggedOnAccount.matches("OLDCORP\\migrator", c("OLDCORP\\migrator")))
        XCTAssertTrue(LoggedOnAccount.matches("OLDCORP\\migrator", c("migrator@oldcorp.example.com")), "the DNS domain's first label")
        XCTAssertTrue(LoggedOnAccount.matches("migrator", c("migrator", domain: "OLDCORP")), "a server that names no authority")
        XCTAssertFalse(LoggedOnAccount.matches("FS01\\migrator", c("migrator", domain: "OLDCORP")), "the server's own local account of that name")
        XCTAssertFalse(LoggedOnAccount.matches("OLDCORP\\Guest", c("migrator", domain: "OLDCORP")))
        XCTAssertFalse(LoggedOnAccount.matches("LEGACY2003\\nobody", c("ghost")))
        XCTAssertFalse(LoggedOnAccount.matches("OLDCORP\\migrator2", c("OLDCORP\\migrator")))
    }
}
