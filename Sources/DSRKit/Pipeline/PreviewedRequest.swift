import DSRCore
/// What a night would do with a request, as its preview (the dry run) tells it: the
/// transition the night would record, and the receipt of a store change it would make.
struct PreviewedRequest: Sendable {
    var transition: Ledger.Transition
    var receipt: Receipt? = nil
}
