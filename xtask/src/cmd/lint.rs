//! `cargo xtask lint [PATH...]`: lint the repository's definitions (rendered for every account
//! of an organization file, or as written), policy JSON files, directories of them, or
//! `GetAccountAuthorizationDetails` exports; with `--snapshot DIR` or `--live`, live posture.
//! Exit 0: no error-level finding; 1: errors; 2: bad input or usage.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::lint_files::LintRequest;
use warden_lint::PolicyKind;
use warden_lint::emit::{self, Format};

#[derive(Clone, Copy, clap::ValueEnum)]
pub(super) enum FormatArg {
    Table,
    Json,
    Sarif,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Format {
        match format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Sarif => Format::Sarif,
        }
    }
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum KindArg {
    Identity,
    Trust,
    Resource,
    Boundary,
    Scp,
    Rcp,
}

#[derive(clap::Args)]
#[command(
    after_help = "Exit status: 0 no error-level finding, 1 error-level findings, 2 bad input or usage."
)]
pub struct Args {
    /// Policy JSON files, directories of them, account authorization details exports, or a
    /// repository root with `warden.yaml`. Default: this repository's definitions.
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    format: FormatArg,
    /// Only this account, by id (or by name with `--org`): rendered definitions and exports.
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// The date exceptions are judged on, `YYYY-MM-DD` (default: today, UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    today: Option<String>,
    /// Kind of single policy files (default: inferred; a `Principal` means trust or resource).
    #[arg(long, value_enum)]
    kind: Option<KindArg>,
    /// Organization JSON (accounts, OUs, tags) to render the definitions for every targeted
    /// account. Default: the inventory the last `cargo xtask plan` saved in
    /// `.warden/organization.json`; without either, the definitions are linted as written.
    #[arg(long, value_name = "FILE")]
    org: Option<PathBuf>,
    /// Render for the organization of a snapshot directory (`cargo xtask snapshot`), as `--org`.
    #[arg(long, value_name = "DIR", conflicts_with = "org")]
    snapshot: Option<PathBuf>,
    /// Read the organization's IAM now and lint it as `--snapshot` lints a snapshot (the
    /// inventory is saved as `plan` saves it).
    #[arg(long, conflicts_with_all = ["snapshot", "org", "paths"])]
    live: bool,
    #[command(flatten)]
    connection: super::plan::Connection,
    /// List the rules (id, default severity, group, name, summary) and exit.
    #[arg(long)]
    rules: bool,
    /// Repository linted when no path is given (default: the nearest `warden.yaml` upward).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(mut args: Args) -> anyhow::Result<ExitCode> {
    if args.rules {
        super::write_stdout(&emit::table::rules())?;
        return Ok(ExitCode::SUCCESS);
    }
    let root = if args.paths.is_empty() {
        Some(super::root::resolve(args.root.as_deref())?)
    } else {
        None
    };
    // The posture rules (users, keys, root, password policy, unused roles, trust from outside
    // the organization) run on the live state of a snapshot or read now (`--live`) as well.
    let snapshot = args.snapshot.clone();
    let today = warden_app::lint::today_or(args.today.as_deref())?;
    let live = match root.as_deref().filter(|_| args.live) {
        Some(root) => Some(super::plan::runtime()?.block_on(read_live(root, &args, today))?),
        None => None,
    };
    if args.snapshot.is_some() {
        args.org = args.snapshot.take();
    }
    if let (None, Some(root)) = (&args.org, &root) {
        // The organization the last `cargo xtask plan` read: render for every account offline.
        let saved = warden_app::plan::saved_inventory_path(root);
        if saved.exists() {
            args.org = Some(saved);
        }
    }
    let request = LintRequest {
        kind: kind(&args),
        org: args.org.clone(),
        account: args.account.clone(),
        today,
        cwd: std::env::current_dir().unwrap_or_default(),
        process_exits_after: true,
    };
    let paths = match root {
        Some(root) => vec![root],
        None => args.paths.clone(),
    };
    let mut linted = request.lint_paths(&paths)?;
    if let Some(dir) = &snapshot {
        request.lint_snapshot_posture(&mut linted, dir, paths.first().map(PathBuf::as_path))?;
        let (root, account) = (paths.first().map(PathBuf::as_path), args.account.as_deref());
        warden_app::paths::lint_snapshot(&mut linted, dir, root, account)?;
    }
    if let Some((posture, escalation)) = live {
        warden_app::paths::use_live(&mut linted, escalation, "read now");
        posture.add_to(&mut linted, "read now");
    }
    let (findings, scope) = (linted.findings, linted.scope);
    let format = Format::from(args.format);
    // Say what was linted: "0 errors" alone does not tell an empty run from a clean one.
    // Stderr, so that JSON and SARIF on stdout stay machine-readable.
    if matches!(format, Format::Table) {
        eprintln!("lint: {}", scope.join("; "));
    }
    super::write_stdout_with(|out| warden_app::lint::write(format, &findings, &request.cwd, out))?;
    let errors = warden_lint::has_errors(&findings);
    // The process exits next: freeing thousands of findings one by one only delays it.
    std::mem::forget(findings);
    Ok(if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

async fn read_live(
    root: &std::path::Path,
    args: &Args,
    today: warden_lint::Date,
) -> anyhow::Result<(warden_app::posture::PostureLint, Vec<warden_lint::Finding>)> {
    let definitions = super::plan::load_definitions(root)?;
    let (org, _) = super::plan::live(root, &definitions, &args.connection).await?;
    let bar = super::ui::phase("reading the organization", None);
    let (account, progress) = (args.account.as_deref(), super::plan::account_progress(&bar));
    let read = warden_app::lint::read_live(&org, &definitions, root, account, today, &progress);
    let read = read.await;
    bar.finish_and_clear();
    let read = read?;
    Ok((read.posture, read.escalation))
}

fn kind(args: &Args) -> Option<PolicyKind> {
    args.kind.map(|kind| match kind {
        KindArg::Identity => PolicyKind::Identity,
        KindArg::Trust => PolicyKind::Trust,
        KindArg::Resource => PolicyKind::Resource,
        KindArg::Boundary => PolicyKind::Boundary,
        KindArg::Scp => PolicyKind::ServiceControl,
        KindArg::Rcp => PolicyKind::ResourceControl,
    })
}
