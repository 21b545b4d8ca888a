//! `cargo xtask docs`: writes the lint rule pages under `docs/rules/` from each rule's doc
//! comment (SARIF `helpUri` points at them), or with `--check` fails when they are stale.

use std::path::Path;
use std::process::ExitCode;

use warden_app::rule_docs::{stale_pages, write_pages};
use warden_lint::emit::docs::DOCS_DIR;

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 written or up to date, 1 `--check` found a stale, missing or \
unexpected page, 2 the pages could not be read or written."
)]
pub struct Args {
    /// Compare the committed pages with the generated ones instead of writing them.
    #[arg(long)]
    pub check: bool,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    // Warden's own checkout: the pages document the rules of this build.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| Path::new(".").to_path_buf(), Path::to_path_buf);
    if args.check {
        return Ok(match stale_pages(&root) {
            Some(message) => {
                eprintln!("error: {message}");
                ExitCode::from(1)
            }
            None => ExitCode::SUCCESS,
        });
    }
    let written = write_pages(&root)?;
    eprintln!("docs: wrote {written} pages under {DOCS_DIR}");
    Ok(ExitCode::SUCCESS)
}

/// Fails when a committed page is missing, stale or unexpected (called by `cargo xtask ci`).
pub fn check(root: &Path) -> anyhow::Result<()> {
    stale_pages(root).map_or(Ok(()), |message| Err(anyhow::anyhow!(message)))
}
