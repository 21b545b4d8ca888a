//! The evidence bundle on disk, written as it is computed: `evidence.json` (streamed: one
//! account at a time), `roles.csv` (row by row), `accounts/<id>.html` (one page per account,
//! a section per role), then `index.html` and `MANIFEST.sha256` (`sha256sum -c` format).
//! Every file is hashed while it is written, so nothing is read back.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use warden_catalog::AccessLevel;

use crate::drift::AccountLiveTruth;
use crate::err::ReportError;
use crate::evidence::{AccountEvidence, LiveMatch, RoleEvidence};
use crate::html::{self, escape};
use crate::permissions::LevelCounts;
use crate::provenance::Provenance;
use crate::risk::{RiskClass, RiskCounts};
use crate::svg::{self, Cell, CellGroup, StackedRow, Tone};
use crate::usage::UsagePeriod;

pub const EVIDENCE_FORMAT: &str = "warden-evidence";
pub const EVIDENCE_FORMAT_VERSION: u32 = 1;
pub const MANIFEST: &str = "MANIFEST.sha256";

const CSV_HEADER: [&str; 22] = [
    "account_id",
    "account_name",
    "ou_path",
    "role",
    "arn",
    "live",
    "actions_total",
    "list",
    "read",
    "write",
    "permissions_management",
    "tagging",
    "services",
    "used",
    "unused",
    "unused_write_or_permissions",
    "lint_errors",
    "lint_warnings",
    "lint_excepted",
    "exceptions_in_force",
    "boundary",
    "scps",
];

/// What the bundle header records besides provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub provenance: Provenance,
    /// CloudTrail input, when given.
    pub usage: Option<UsagePeriod>,
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSummary {
    pub accounts: usize,
    pub roles: usize,
    pub unreadable_accounts: usize,
    pub roles_matching_live: usize,
    /// Relative paths with their SHA-256, as in the manifest.
    pub files: Vec<(String, String)>,
    pub bytes: u64,
}

/// A buffered file that hashes what passes through it.
struct HashingFile {
    relative: String,
    path: PathBuf,
    out: BufWriter<File>,
    hasher: Sha256,
    bytes: u64,
}

impl HashingFile {
    fn create(dir: &Path, relative: &str) -> Result<HashingFile, ReportError> {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| ReportError::io(parent, e))?;
        }
        let file = File::create(&path).map_err(|e| ReportError::io(&path, e))?;
        Ok(HashingFile {
            relative: relative.to_string(),
            path,
            out: BufWriter::new(file),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    fn put(&mut self, data: &[u8]) -> Result<(), ReportError> {
        self.hasher.update(data);
        self.bytes += data.len() as u64;
        self.out
            .write_all(data)
            .map_err(|e| ReportError::io(&self.path, e))
    }

    fn finish(mut self) -> Result<(String, String, u64), ReportError> {
        self.out
            .flush()
            .map_err(|e| ReportError::io(&self.path, e))?;
        Ok((
            self.relative,
            hex::encode(self.hasher.finalize()),
            self.bytes,
        ))
    }
}

impl Write for HashingFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.out.write(buf)?;
        self.hasher.update(&buf[..written]);
        self.bytes += written as u64;
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// What index.html lists per role.
struct IndexRole {
    name: String,
    live: &'static str,
    total: usize,
    write_or_permissions: usize,
    unused: Option<usize>,
    lint_errors: usize,
}

struct IndexAccount {
    id: String,
    name: String,
    ou_path: String,
    page: String,
    unreadable: bool,
    roles: Vec<IndexRole>,
}

/// index.html's two account sections (the list, then a table per account) spilled to files
/// as accounts are written, so memory does not grow with the organization; [`EvidenceWriter::finish`]
/// joins them under the summary, which is known only at the end.
struct IndexSpill {
    list: (PathBuf, BufWriter<File>),
    tables: (PathBuf, BufWriter<File>),
}

const INDEX_LIST_SPILL: &str = ".index-list.part";
const INDEX_TABLES_SPILL: &str = ".index-tables.part";

impl IndexSpill {
    fn create(dir: &Path) -> Result<IndexSpill, ReportError> {
        let open = |name: &str| -> Result<(PathBuf, BufWriter<File>), ReportError> {
            let path = dir.join(name);
            let file = File::create(&path).map_err(|e| ReportError::io(&path, e))?;
            Ok((path, BufWriter::new(file)))
        };
        Ok(IndexSpill {
            list: open(INDEX_LIST_SPILL)?,
            tables: open(INDEX_TABLES_SPILL)?,
        })
    }

    fn add(&mut self, account: &IndexAccount) -> Result<(), ReportError> {
        let (list, tables) = index_account_html(account);
        self.list
            .1
            .write_all(list.as_bytes())
            .map_err(|e| ReportError::io(&self.list.0, e))?;
        self.tables
            .1
            .write_all(tables.as_bytes())
            .map_err(|e| ReportError::io(&self.tables.0, e))
    }

    /// Copies both parts into `out` in order and removes the spill files.
    fn drain_into(self, out: &mut HashingFile, between: &str) -> Result<(), ReportError> {
        for (index, (path, writer)) in [self.list, self.tables].into_iter().enumerate() {
            drop(
                writer
                    .into_inner()
                    .map_err(|e| ReportError::io(&path, e.into_error()))?,
            );
            if index == 1 {
                out.put(between.as_bytes())?;
            }
            let mut reader = File::open(&path).map_err(|e| ReportError::io(&path, e))?;
            std::io::copy(&mut reader, out).map_err(|e| ReportError::io(&path, e))?;
            std::fs::remove_file(&path).map_err(|e| ReportError::io(&path, e))?;
        }
        Ok(())
    }
}

/// Live match of an account as a whole, for the index's grid (indexes [`EVIDENCE_STATUSES`]).
fn account_status(account: &AccountEvidence) -> usize {
    if account.unreadable.is_some() {
        return 3;
    }
    let any = |wanted: fn(&LiveMatch) -> bool| account.roles.iter().any(|role| wanted(&role.live));
    if any(|live| matches!(live, LiveMatch::Conflict { .. })) {
        2
    } else if any(|live| matches!(live, LiveMatch::Differs { .. })) {
        1
    } else if any(|live| matches!(live, LiveMatch::NotChecked)) {
        4
    } else {
        0
    }
}

/// Account statuses of the index's grid.
pub const EVIDENCE_STATUSES: [(&str, Tone); 5] = [
    ("live matched", Tone::Good),
    ("live differs", Tone::Caution),
    ("conflict", Tone::Danger),
    ("not read", Tone::Unknown),
    ("not checked", Tone::Info),
];

/// One account in the index's grid: a few strings per account, the only thing the writer
/// keeps per account besides the spill files.
struct GridEntry {
    id: String,
    name: String,
    ou_path: String,
    status: usize,
}

/// The widest instance of a role name: where it grants the most.
struct WidestRole {
    account_name: String,
    page: String,
    levels: LevelCounts,
    total: usize,
    /// Counted from live documents (else from the repository's).
    live: bool,
    beyond_repository: usize,
}

/// What index.html's pictures are drawn from, gathered as accounts are written.
#[derive(Default)]
struct Pictures {
    grid: Vec<GridEntry>,
    risks: RiskCounts,
    widest: std::collections::BTreeMap<String, WidestRole>,
}

impl Pictures {
    fn add(&mut self, account: &AccountEvidence, page: &str) {
        self.grid.push(GridEntry {
            id: account.account_id.clone(),
            name: account.account_name.clone(),
            ou_path: account.ou_path.clone(),
            status: account_status(account),
        });
        self.risks.merge(&account_risks(account));
        for role in &account.roles {
            let (levels, total, live, beyond) = match &role.live_permissions {
                Some(live) => (
                    live.permissions.levels,
                    live.permissions.total,
                    true,
                    live.beyond_repository.len(),
                ),
                None => (role.permissions.levels, role.permissions.total, false, 0),
            };
            let wider = self
                .widest
                .get(&role.name)
                .is_none_or(|known| total > known.total);
            if wider {
                self.widest.insert(
                    role.name.clone(),
                    WidestRole {
                        account_name: account.account_name.clone(),
                        page: page.to_string(),
                        levels,
                        total,
                        live,
                        beyond_repository: beyond,
                    },
                );
            }
        }
    }

    fn html(&self) -> String {
        let mut out = String::new();
        out.push_str("<h2 id=\"risks-section\">Findings by risk class</h2>\n");
        svg::figure(
            &mut out,
            "Lint of the definitions and, with a snapshot, the posture of live IAM, counted by the kind of harm they point at.",
            &risk_chart(&self.risks, None),
        );
        out.push_str("<h2 id=\"grid-section\">Accounts by OU and live match</h2>\n");
        let groups = CellGroup::by_ou(
            self.grid.iter().map(|entry| {
                let cell = Cell {
                    title: format!("{} ({})", entry.name, entry.id),
                    status: entry.status,
                    href: Some(format!("#{}", html::anchor(&["account", &entry.id]))),
                };
                (entry.ou_path.as_str(), cell)
            }),
            "(no OU)",
        );
        svg::figure(
            &mut out,
            "One square per account, grouped by OU: whether live IAM matched the repository for every role. Hover for the name, click for its roles.",
            &svg::status_grid(
                "grid",
                "Accounts by OU and live match",
                &EVIDENCE_STATUSES,
                &groups,
            ),
        );
        out.push_str("<h2 id=\"levels-section\">Access levels per role</h2>\n");
        let distinct = self.widest.len();
        let mut roles: Vec<(&String, &WidestRole)> = self.widest.iter().collect();
        roles.sort_by(|a, b| b.1.total.cmp(&a.1.total).then(a.0.cmp(b.0)));
        roles.truncate(crate::drift_html::MAX_CHART_ROLES);
        let rows: Vec<StackedRow> = roles
            .iter()
            .map(|(name, widest)| StackedRow {
                label: format!("{name} in {}", widest.account_name),
                values: svg::level_values(&widest.levels),
                href: Some(format!("{}#{}", widest.page, html::anchor(&["role", name]))),
                note: Some(match (widest.live, widest.beyond_repository) {
                    (true, 0) => format!("{} live", widest.total),
                    (true, beyond) => {
                        format!("{} live, +{beyond} beyond the repository", widest.total)
                    }
                    (false, _) => format!("{} (repository)", widest.total),
                }),
            })
            .collect();
        svg::figure(
            &mut out,
            &format!(
                "Effective actions of each role by access level, where it grants the most (from the live documents when a snapshot was given, else the repository's){}.",
                if distinct > rows.len() {
                    format!("; the {} widest of {distinct} roles", rows.len())
                } else {
                    String::new()
                }
            ),
            &svg::stacked_bars(
                "levels",
                "Access levels per role",
                &svg::ACCESS_LEVELS,
                &rows,
            ),
        );
        out
    }
}

/// Every finding of an account's evidence (roles, policies, live posture) by risk class.
fn account_risks(account: &AccountEvidence) -> RiskCounts {
    let mut risks = RiskCounts::default();
    for finding in account
        .roles
        .iter()
        .flat_map(|role| &role.findings)
        .chain(&account.policy_findings)
        .chain(account.posture.iter().flat_map(|posture| &posture.findings))
    {
        risks.add_finding(finding);
    }
    risks
}

/// The findings-by-risk-class chart; rows link to `page#risk-<class>` when `page` is given.
fn risk_chart(risks: &RiskCounts, link: Option<&str>) -> String {
    let rows: Vec<StackedRow> = RiskClass::ALL
        .iter()
        .map(|class| {
            let counts = risks.get(*class);
            StackedRow {
                label: class.label().to_string(),
                values: vec![counts.errors, counts.warnings, counts.infos, counts.drift],
                href: link
                    .filter(|_| counts.active() + counts.excepted > 0)
                    .map(|page| format!("{page}#{}", html::anchor(&["risk", class.label()]))),
                note: Some(if counts.excepted > 0 {
                    format!("{} ({} excepted)", counts.active(), counts.excepted)
                } else {
                    counts.active().to_string()
                }),
            }
        })
        .collect();
    svg::stacked_bars(
        "risks",
        "Findings by risk class",
        &crate::drift_html::RISK_SERIES[..3],
        &rows,
    )
}

/// Writes a bundle into a directory account by account.
pub struct EvidenceWriter {
    dir: PathBuf,
    header: BundleHeader,
    json: HashingFile,
    csv: HashingFile,
    accounts_written: usize,
    index: IndexSpill,
    pictures: Pictures,
    summary: BundleSummary,
}

impl EvidenceWriter {
    /// Creates the directory (it must be empty or absent) and starts evidence.json and roles.csv.
    pub fn create(dir: &Path, header: BundleHeader) -> Result<EvidenceWriter, ReportError> {
        std::fs::create_dir_all(dir).map_err(|e| ReportError::io(dir, e))?;
        let mut entries = std::fs::read_dir(dir).map_err(|e| ReportError::io(dir, e))?;
        if entries.next().is_some() {
            return Err(ReportError::io(
                dir,
                std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "the output directory is not empty",
                ),
            ));
        }
        let mut json = HashingFile::create(dir, "evidence.json")?;
        json.put(format!("{{\"format\":\"{EVIDENCE_FORMAT}\",\"format_version\":{EVIDENCE_FORMAT_VERSION},\"header\":").as_bytes())?;
        serde_json::to_writer(&mut json, &header).map_err(|source| ReportError::Json {
            what: "evidence header".into(),
            source,
        })?;
        json.put(b",\"accounts\":[\n")?;
        let mut csv = HashingFile::create(dir, "roles.csv")?;
        csv.put(csv_line(&CSV_HEADER.map(String::from)).as_bytes())?;
        let index = IndexSpill::create(dir)?;
        Ok(EvidenceWriter {
            dir: dir.to_path_buf(),
            header,
            json,
            csv,
            accounts_written: 0,
            index,
            pictures: Pictures::default(),
            summary: BundleSummary::default(),
        })
    }

    /// Appends one account to evidence.json and roles.csv and writes its page.
    pub fn write_account(&mut self, account: &AccountEvidence) -> Result<(), ReportError> {
        if self.accounts_written > 0 {
            self.json.put(b",\n")?;
        }
        serde_json::to_writer(&mut self.json, account).map_err(|source| ReportError::Json {
            what: format!("account {}", account.account_id),
            source,
        })?;
        self.accounts_written += 1;
        let scps = account
            .scps
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        for role in &account.roles {
            self.csv
                .put(csv_line(&csv_row(account, role, &scps)).as_bytes())?;
        }
        let page = format!("accounts/{}.html", html::anchor(&[&account.account_id]));
        let mut file = HashingFile::create(&self.dir, &page)?;
        file.put(account_page(account, &self.header).as_bytes())?;
        self.record(file.finish()?);
        self.pictures.add(account, &page);
        self.summary.accounts += 1;
        self.summary.roles += account.roles.len();
        self.summary.unreadable_accounts += usize::from(account.unreadable.is_some());
        self.summary.roles_matching_live += account
            .roles
            .iter()
            .filter(|r| r.live == LiveMatch::Matched)
            .count();
        self.index.add(&IndexAccount {
            id: account.account_id.clone(),
            name: account.account_name.clone(),
            ou_path: account.ou_path.clone(),
            page,
            unreadable: account.unreadable.is_some(),
            roles: account
                .roles
                .iter()
                .map(|role| IndexRole {
                    name: role.name.clone(),
                    live: role.live.label(),
                    total: role.permissions.total,
                    write_or_permissions: role.permissions.levels.write
                        + role.permissions.levels.permissions_management,
                    unused: role.usage.as_ref().map(|u| u.unused_count),
                    lint_errors: role.lint.errors,
                })
                .collect(),
        })?;
        Ok(())
    }

    fn record(&mut self, (relative, digest, bytes): (String, String, u64)) {
        self.summary.bytes += bytes;
        self.summary.files.push((relative, digest));
    }

    /// Closes evidence.json and roles.csv, writes index.html and the manifest.
    pub fn finish(mut self) -> Result<BundleSummary, ReportError> {
        self.json.put(b"\n]}\n")?;
        let json = self.json.finish()?;
        let csv = self.csv.finish()?;
        let mut index = HashingFile::create(&self.dir, "index.html")?;
        index.put(index_head(&self.header, &self.summary, &self.pictures).as_bytes())?;
        self.index.drain_into(&mut index, "</ul>\n")?;
        let mut end = String::new();
        html::page_end(&mut end);
        index.put(end.as_bytes())?;
        let index = index.finish()?;
        let mut summary = self.summary;
        for file in [json, csv, index] {
            summary.bytes += file.2;
            summary.files.push((file.0, file.1));
        }
        summary.files.sort();
        let mut manifest = String::new();
        for (relative, digest) in &summary.files {
            let _ = writeln!(manifest, "{digest}  {relative}");
        }
        let path = self.dir.join(MANIFEST);
        std::fs::write(&path, manifest).map_err(|e| ReportError::io(&path, e))?;
        Ok(summary)
    }
}

/// One CSV line; cells are quoted when needed, and cells a spreadsheet would take for a
/// formula (`=`, `+`, `-`, `@`) are prefixed with `'`.
fn csv_line(cells: &[String]) -> String {
    let mut line = String::new();
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            line.push(',');
        }
        let cell = if cell.starts_with(['=', '+', '-', '@']) {
            format!("'{cell}")
        } else {
            cell.clone()
        };
        if cell.contains([',', '"', '\n', '\r']) {
            let _ = write!(line, "\"{}\"", cell.replace('"', "\"\""));
        } else {
            line.push_str(&cell);
        }
    }
    line.push('\n');
    line
}

fn csv_row(account: &AccountEvidence, role: &RoleEvidence, scps: &str) -> Vec<String> {
    let levels = role.permissions.levels;
    let usage = role.usage.as_ref();
    vec![
        account.account_id.clone(),
        account.account_name.clone(),
        account.ou_path.clone(),
        role.name.clone(),
        role.arn.clone(),
        role.live.label().to_string(),
        role.permissions.total.to_string(),
        levels.list.to_string(),
        levels.read.to_string(),
        levels.write.to_string(),
        levels.permissions_management.to_string(),
        levels.tagging.to_string(),
        role.permissions.services.len().to_string(),
        usage.map(|u| u.used.len().to_string()).unwrap_or_default(),
        usage
            .map(|u| u.unused_count.to_string())
            .unwrap_or_default(),
        usage
            .map(|u| (u.unused_levels.write + u.unused_levels.permissions_management).to_string())
            .unwrap_or_default(),
        role.lint.errors.to_string(),
        role.lint.warnings.to_string(),
        role.lint.excepted.to_string(),
        role.exceptions
            .iter()
            .filter(|e| e.in_force)
            .count()
            .to_string(),
        role.boundary
            .as_ref()
            .map(|b| b.name.clone())
            .unwrap_or_default(),
        scps.to_string(),
    ]
}

fn provenance_html(out: &mut String, header: &BundleHeader) {
    let p = &header.provenance;
    out.push_str("<table>\n");
    let commit = p
        .commit
        .clone()
        .unwrap_or_else(|| "not a git checkout".into());
    let rows = [
        (
            "Repository commit",
            format!("<code>{}</code>", escape(&commit)),
        ),
        ("Commit author", escape(p.author.as_deref().unwrap_or("-"))),
        (
            "Commit date",
            escape(p.commit_date.as_deref().unwrap_or("-")),
        ),
        (
            "Definitions clean",
            if p.clean {
                "<span class=\"ok\">yes: the definitions are as committed</span>".into()
            } else {
                "<span class=\"bad\">no: uncommitted changes or not a checkout</span>".into()
            },
        ),
        (
            "Definitions digest",
            format!("<code>{}</code>", escape(&p.definitions_digest)),
        ),
        ("Live state read at", escape(&p.live_read_at)),
        ("Warden version", escape(&p.warden_version)),
        ("Action catalog", escape(&p.catalog)),
    ];
    for (name, value) in rows {
        html::row(out, &[escape(name), value]);
    }
    if let Some(usage) = &header.usage {
        html::row(
            out,
            &[
                "CloudTrail".into(),
                escape(&format!(
                    "{} events from {} files, {} to {}{}",
                    usage.events,
                    usage.files,
                    usage.first_event.as_deref().unwrap_or("-"),
                    usage.last_event.as_deref().unwrap_or("-"),
                    usage
                        .since
                        .as_ref()
                        .map(|s| format!(" (since {s})"))
                        .unwrap_or_default()
                )),
            ],
        );
    }
    out.push_str("</table>\n");
}

/// index.html up to the account list's opening tag: title, summary and provenance.
fn index_head(header: &BundleHeader, summary: &BundleSummary, pictures: &Pictures) -> String {
    let mut out = String::new();
    html::page_start(&mut out, "Warden IAM evidence");
    out.push_str("<h1>Warden IAM evidence</h1>\n");
    let _ = writeln!(
        out,
        "<p>{} accounts, {} roles; {} roles matched live IAM; {} accounts could not be read. Machine-readable: <a href=\"evidence.json\">evidence.json</a>, <a href=\"roles.csv\">roles.csv</a>; checksums: <a href=\"{MANIFEST}\">{MANIFEST}</a>.</p>",
        summary.accounts, summary.roles, summary.roles_matching_live, summary.unreadable_accounts
    );
    out.push_str(&pictures.html());
    out.push_str("<h2 id=\"provenance\">Provenance</h2>\n");
    provenance_html(&mut out, header);
    out.push_str("<h2 id=\"accounts\">Accounts</h2>\n<ul>\n");
    out
}

/// One account's entry in index.html's list and its table of roles.
fn index_account_html(account: &IndexAccount) -> (String, String) {
    let list = format!(
        "<li><a href=\"#{}\">{}</a> <code>{}</code> {}{}</li>\n",
        html::anchor(&["account", &account.id]),
        escape(&account.name),
        escape(&account.id),
        escape(&account.ou_path),
        if account.unreadable {
            " <span class=\"bad\">(not read)</span>"
        } else {
            ""
        }
    );
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<h2 id=\"{}\"><a href=\"{}\">{}</a> <code>{}</code></h2>",
        html::anchor(&["account", &account.id]),
        escape(&account.page),
        escape(&account.name),
        escape(&account.id)
    );
    if account.roles.is_empty() {
        out.push_str(
            "<p class=\"muted\">No role from the repository applies to this account.</p>\n",
        );
        return (list, out);
    }
    out.push_str("<table>\n");
    html::header(
        &mut out,
        &[
            "Role",
            "Live",
            "Actions",
            "Write + permissions mgmt",
            "Unused",
            "Lint errors",
        ],
    );
    for role in &account.roles {
        html::row(
            &mut out,
            &[
                format!(
                    "<a href=\"{}#{}\">{}</a>",
                    escape(&account.page),
                    html::anchor(&["role", &role.name]),
                    escape(&role.name)
                ),
                role.live.to_string(),
                role.total.to_string(),
                role.write_or_permissions.to_string(),
                role.unused.map_or_else(|| "-".into(), |n| n.to_string()),
                role.lint_errors.to_string(),
            ],
        );
    }
    out.push_str("</table>\n");
    (list, out)
}

fn account_page(account: &AccountEvidence, header: &BundleHeader) -> String {
    let mut out = String::new();
    html::page_start(
        &mut out,
        &format!(
            "{} ({}) — Warden IAM evidence",
            account.account_name, account.account_id
        ),
    );
    out.push_str("<nav><a href=\"../index.html\">All accounts</a><a href=\"../index.html#provenance\">Provenance</a></nav>\n");
    let _ = writeln!(
        out,
        "<h1 id=\"top\">{} <code>{}</code></h1>\n<p>OU <code>{}</code>; live state read at {}.</p>",
        escape(&account.account_name),
        escape(&account.account_id),
        escape(&account.ou_path),
        escape(&header.provenance.live_read_at)
    );
    if let Some(reason) = &account.unreadable {
        let _ = writeln!(
            out,
            "<p class=\"bad\">The account could not be read: {}</p>",
            escape(reason)
        );
    }
    out.push_str("<h2 id=\"pictures\">At a glance</h2>\n");
    svg::figure(
        &mut out,
        "Findings on this account's roles and policies and, with a snapshot, on its live IAM, by risk class.",
        &risk_chart(&account_risks(account), None),
    );
    match &account.posture {
        Some(posture) => {
            let live = AccountLiveTruth::from_evidence(account, true, posture.findings.clone());
            out.push_str("<h2 id=\"live\">Live truth beside the repository</h2>\n");
            crate::drift_html::live_truth_html(&mut out, &account.account_id, &live);
        }
        None => {
            let rows: Vec<StackedRow> = account
                .roles
                .iter()
                .map(|role| StackedRow {
                    label: role.name.clone(),
                    values: svg::level_values(&role.permissions.levels),
                    href: Some(format!("#{}", html::anchor(&["role", &role.name]))),
                    note: Some(format!("{} actions", role.permissions.total)),
                })
                .collect();
            svg::figure(
                &mut out,
                "Effective actions of each role by access level, from the repository's documents. Live documents were not read: evidence from a snapshot (--snapshot DIR) shows them beside these, with the users and keys.",
                &svg::stacked_bars(
                    "levels",
                    "Access levels per role",
                    &svg::ACCESS_LEVELS,
                    &rows,
                ),
            );
        }
    }
    out.push_str("<h2 id=\"scps\">Service control policies in force</h2>\n");
    if account.scps.is_empty() {
        out.push_str("<p class=\"muted\">No SCP from the repository applies (AWS-managed FullAWSAccess is not listed).</p>\n");
    } else {
        out.push_str("<table>\n");
        html::header(&mut out, &["SCP", "Attached to"]);
        for scp in &account.scps {
            html::row(
                &mut out,
                &[
                    escape(&scp.name),
                    format!(
                        "{} <code>{}</code>",
                        escape(&scp.target),
                        escape(&scp.target_id)
                    ),
                ],
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2 id=\"roles\">Roles</h2>\n<ul>\n");
    for role in &account.roles {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a> — live {}</li>",
            html::anchor(&["role", &role.name]),
            escape(&role.name),
            role.live.label()
        );
    }
    out.push_str("</ul>\n");
    // Unmanaged objects with why, when a live finding is about them (from a snapshot).
    let unmanaged: Vec<warden_plan::Unmanaged> = account
        .unmanaged
        .iter()
        .filter_map(|item| item.split_once(' '))
        .map(|(kind, name)| warden_plan::Unmanaged {
            kind: kind.to_string(),
            name: name.to_string(),
        })
        .collect();
    let risky = account
        .posture
        .as_ref()
        .map(|posture| crate::drift::risky_unmanaged(&unmanaged, &posture.findings))
        .unwrap_or_default();
    if !account.unmanaged.is_empty() {
        out.push_str(
            "<h2 id=\"unmanaged\">Unmanaged IAM objects (not in the repository)</h2>\n<ul>\n",
        );
        for item in &account.unmanaged {
            let (kind, name) = item.split_once(' ').unwrap_or(("", item.as_str()));
            let _ = writeln!(
                out,
                "<li><code>{}</code>{}</li>",
                escape(item),
                crate::drift_html::why_risky(risky.iter(), kind, name)
            );
        }
        out.push_str("</ul>\n");
    }
    let others: Vec<_> = risky
        .iter()
        .filter(|object| object.kind != "role")
        .collect();
    if !others.is_empty() {
        out.push_str("<h2 id=\"risky-identities\">Risky users and account settings</h2>\n<ul>\n");
        for object in others {
            let _ = writeln!(
                out,
                "<li>{} <code>{}</code> — <span class=\"bad\">{}: {} {}</span></li>",
                escape(&object.kind),
                escape(&object.name),
                escape(object.class.label()),
                escape(&object.rule),
                escape(&object.why)
            );
        }
        out.push_str("</ul>\n");
    }
    for role in &account.roles {
        role_section(&mut out, &account.account_id, role);
    }
    html::page_end(&mut out);
    out
}

fn json_block(out: &mut String, value: &serde_json::Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    let _ = writeln!(out, "<pre>{}</pre>", escape(&text));
}

fn role_section(out: &mut String, account_id: &str, role: &RoleEvidence) {
    let _ = writeln!(
        out,
        "<section>\n<h2 id=\"{}\">Role {}</h2>\n<p><code>{}</code><br>{}<br>Defined in <code>{}</code>; maximum session {} s.</p>",
        html::anchor(&["role", &role.name]),
        escape(&role.name),
        escape(&role.arn),
        escape(role.description.as_deref().unwrap_or("")),
        escape(&role.source),
        role.max_session_duration
    );
    let (class, text) = match &role.live {
        LiveMatch::Matched => ("ok", "Live IAM matched the repository.".to_string()),
        LiveMatch::Differs { changes } => (
            "bad",
            format!(
                "Live IAM differs from the repository: {}",
                changes.join("; ")
            ),
        ),
        LiveMatch::Conflict { reason } => ("bad", format!("Conflict: {reason}")),
        LiveMatch::NotRead { reason } => {
            ("bad", format!("The account could not be read: {reason}"))
        }
        LiveMatch::NotChecked => ("warn", "Live IAM was not checked.".to_string()),
    };
    let _ = writeln!(out, "<p class=\"{class}\">{}</p>", escape(&text));
    if let Some(live) = &role.live_permissions {
        let _ = writeln!(
            out,
            "<p class=\"{}\">Live documents grant {} actions{}; <a href=\"#{}\">live truth</a>.</p>",
            if live.beyond_repository.is_empty() {
                "ok"
            } else {
                "bad"
            },
            live.permissions.total,
            if live.differs {
                format!(
                    ", {} beyond the repository and {} of the repository's missing",
                    live.beyond_repository.len(),
                    live.missing_from_live.len()
                )
            } else {
                ", as the repository".to_string()
            },
            html::anchor(&["live", account_id, &role.name])
        );
    }
    let p = &role.permissions;
    let _ = writeln!(
        out,
        "<h3>Effective permissions: {} actions in {} services</h3>",
        p.total,
        p.services.len()
    );
    out.push_str("<p class=\"muted\">Actions the identity policies allow (wildcards and NotAction expanded with the action catalog), capped by the permission boundary, minus actions denied on every resource without conditions by these policies or the SCPs in force. Conditions and resource scoping are not narrowed: this is the most the role can do.</p>\n<table>\n");
    let levels: Vec<&str> = AccessLevel::ALL.iter().map(|l| l.as_str()).collect();
    let mut head = vec!["Service", "Total"];
    head.extend(&levels);
    html::header(out, &head);
    let counts = |total: usize, levels: crate::permissions::LevelCounts| -> Vec<String> {
        let mut cells = vec![total.to_string()];
        cells.extend(AccessLevel::ALL.iter().map(|l| levels.get(*l).to_string()));
        cells
    };
    for service in &p.services {
        let mut cells = vec![format!("<code>{}</code>", escape(&service.service))];
        cells.extend(counts(service.total, service.levels));
        html::row(out, &cells);
    }
    let mut cells = vec!["<strong>All</strong>".to_string()];
    cells.extend(counts(p.total, p.levels));
    html::row(out, &cells);
    out.push_str("</table>\n");
    if !p.not_expanded.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"warn\">Not counted (AWS managed, document not in the repository): {}</p>",
            escape(&p.not_expanded.join(", "))
        );
    }
    if !p.unknown_patterns.is_empty() {
        let _ = writeln!(
            out,
            "<p class=\"warn\">Action patterns not in the catalog: {}</p>",
            escape(&p.unknown_patterns.join(", "))
        );
    }
    if let Some(usage) = &role.usage {
        let _ = writeln!(
            out,
            "<h3>Usage (CloudTrail)</h3>\n<p>{} events by this role ({} to {}); {} granted actions used, <strong>{} never used</strong> ({} of them write or permissions management).</p>",
            usage.events,
            escape(usage.first_seen.as_deref().unwrap_or("-")),
            escape(usage.last_seen.as_deref().unwrap_or("-")),
            usage.used.len(),
            usage.unused_count,
            usage.unused_levels.write + usage.unused_levels.permissions_management
        );
        if !usage.used.is_empty() {
            let _ = writeln!(
                out,
                "<p>Used: <code>{}</code></p>",
                escape(&usage.used.join(" "))
            );
        }
        if !usage.used_not_granted.is_empty() {
            let _ = writeln!(
                out,
                "<p class=\"warn\">Used but not granted by these policies: <code>{}</code></p>",
                escape(&usage.used_not_granted.join(" "))
            );
        }
        if !usage.unused.is_empty() {
            let _ = writeln!(
                out,
                "<details><summary>Unused actions</summary><p><code>{}</code></p></details>",
                escape(&usage.unused.join(" "))
            );
        }
    }
    out.push_str("<h3>Statements and justifications</h3>\n<table>\n");
    html::header(out, &["Policy", "Sid", "Effect", "Justification", "Source"]);
    for statement in &role.statements {
        let justification = match &statement.justification {
            Some(text) => escape(text),
            None => "<span class=\"warn\">none given</span>".into(),
        };
        html::row(
            out,
            &[
                escape(&statement.policy),
                escape(statement.sid.as_deref().unwrap_or("")),
                escape(&statement.effect),
                justification,
                format!("<code>{}</code>", escape(&statement.source)),
            ],
        );
    }
    out.push_str("</table>\n<h3>Permission boundary</h3>\n");
    match &role.boundary {
        Some(boundary) => {
            let _ = writeln!(
                out,
                "<p><code>{}</code></p>",
                escape(boundary.arn.as_deref().unwrap_or(&boundary.name))
            );
            if let Some(document) = &boundary.document {
                json_block(out, document);
            }
        }
        None => out.push_str("<p class=\"warn\">None (an admin role).</p>\n"),
    }
    out.push_str("<h3>Lint and exceptions</h3>\n");
    let _ = writeln!(
        out,
        "<p>{} errors, {} warnings, {} infos, {} covered by an exception.</p>",
        role.lint.errors, role.lint.warnings, role.lint.infos, role.lint.excepted
    );
    if !role.findings.is_empty() {
        out.push_str("<table>\n");
        html::header(out, &["Rule", "Severity", "Sid", "Message", "Exception"]);
        for finding in &role.findings {
            html::row(
                out,
                &[
                    escape(&finding.rule),
                    finding.severity.as_str().into(),
                    escape(finding.sid.as_deref().unwrap_or("")),
                    escape(&finding.message),
                    finding
                        .excepted
                        .as_ref()
                        .map(|e| escape(&format!("{} until {}: {}", e.owner, e.expires, e.reason)))
                        .unwrap_or_default(),
                ],
            );
        }
        out.push_str("</table>\n");
    }
    if !role.exceptions.is_empty() {
        out.push_str("<table>\n");
        html::header(
            out,
            &[
                "Exception to",
                "Sid",
                "Owner",
                "Reason",
                "Expires",
                "In force",
            ],
        );
        for exception in &role.exceptions {
            html::row(
                out,
                &[
                    escape(&exception.rule),
                    escape(exception.sid.as_deref().unwrap_or("(whole definition)")),
                    escape(&exception.owner),
                    escape(&exception.reason),
                    escape(&exception.expires),
                    if exception.in_force {
                        "yes".into()
                    } else {
                        "<span class=\"bad\">expired</span>".into()
                    },
                ],
            );
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h3>Trust policy</h3>\n");
    json_block(out, &role.trust_policy);
    out.push_str("<h3>Permission policies</h3>\n");
    for policy in &role.permission_policies {
        let _ = writeln!(
            out,
            "<h4>{} {}</h4>",
            escape(&policy.kind),
            escape(policy.arn.as_deref().unwrap_or(&policy.name))
        );
        match &policy.document {
            Some(document) => json_block(out, document),
            None => out.push_str(
                "<p class=\"muted\">AWS managed policy: document not in the repository.</p>\n",
            ),
        }
    }
    out.push_str("<p><a href=\"#top\">Back to the account</a></p>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let line = csv_line(&[
            "a,b".into(),
            "say \"hi\"".into(),
            "=HYPERLINK(1)".into(),
            "plain".into(),
        ]);
        assert_eq!(line, "\"a,b\",\"say \"\"hi\"\"\",'=HYPERLINK(1),plain\n");
    }
}
