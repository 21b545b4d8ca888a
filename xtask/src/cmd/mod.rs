//! One module per subcommand; each owns its arguments and a `run` function.

pub mod apply;
pub mod bench;
pub mod catalog;
pub mod ci;
pub mod demo;
pub mod drift;
pub mod evidence;
pub mod generate;
pub mod lint;
pub mod plan;
pub mod policy;
pub mod refine;
pub mod schema;
pub mod simulate;
