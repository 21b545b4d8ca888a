//! Offline AWS policy evaluation: the whole decision chain, with the statements that decided it.
