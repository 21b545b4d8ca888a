//! Criterion bench: parse and canonicalize every AWS managed policy in the corpus.
fn main() {}
