import Catalog
import MigratePlan

extension CatalogDatabase {
    /// The catalog's id of a plan's share (registered on first use, its endpoints kept current).
    public func shareID(for mapping: ShareMapping) throws(Failure) -> Int64 {
        try shareID(name: mapping.name, source: mapping.source.description, target: mapping.targetDescription)
    }
}
