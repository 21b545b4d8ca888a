//! Output formats for findings, separate from the rules: a table for people, JSON for tools,
//! SARIF 2.1.0 for code scanning.

pub mod docs;
pub mod json;
pub mod sarif;
pub mod table;

/// The formats `cargo xtask lint --format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Json,
    Sarif,
}

/// Renders `findings` in `format`.
pub fn render(format: Format, findings: &[crate::Finding]) -> String {
    match format {
        Format::Table => table::render(findings),
        Format::Json => json::render(findings),
        Format::Sarif => sarif::render(findings),
    }
}
