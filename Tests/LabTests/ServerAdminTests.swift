import Foundation
import MigrateCore
import SMBKit
import XCTest

/// The cutover's server administration (srvsvc through Samba's RPC client) names a server that
/// is down as unreachable, whatever the RPC client words it as.
final class ServerAdminTests: XCTestCase {
    func testAServerThatIsDownIsUnreachable() throws {
        let admin = SMBServerAdmin(host: "127.0.0.29", credentials: try Lab.credentials("root"))
        XCTAssertThrowsError(try admin.shareSecurity("Finance")) { error in
            guard let e = error as? TreeError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.kind, .unreachable, "\(e)")
            XCTAssertTrue(e.description.contains("server unreachable"), "\(e)")
        }
        // The running server still answers as before.
        XCTAssertFalse(try SMBServerAdmin(host: Lab.legacy, credentials: try Lab.credentials("root")).shareSecurity("Finance").isEmpty)
    }
}
