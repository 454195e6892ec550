/// Op keys (`Conv`, `com.microsoft.QLinearConv`) numbered in the order a walk over the nodes meets
/// them: the report groups nodes by op twice (the histogram, the by-op table). A run of one op (a
/// chain, a repeated block) is answered by comparing with the previous node's pair; only a change
/// of op builds and hashes the key.
struct OpKeyTable {
    /// Keys by id.
    private(set) var keys: [String] = []
    private var ids: [String: Int] = [:]
    /// The previous node's pair; id -1 before the first.
    private var last = (opType: "", domain: "", id: -1)

    /// The id of the node's op key, numbered from 0 in order of first appearance.
    mutating func id(opType: String, domain: String) -> Int {
        if last.id >= 0, opType == last.opType, domain == last.domain { return last.id }
        let key = domain.isEmpty ? opType : "\(domain).\(opType)"
        let id: Int
        if let known = ids[key] {
            id = known
        } else {
            id = keys.count
            ids[key] = id
            keys.append(key)
        }
        last = (opType, domain, id)
        return id
    }
}
