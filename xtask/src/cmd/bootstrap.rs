//! `cargo xtask bootstrap --out DIR`: the StackSet template for the access role in every member
//! account (read and apply, and read-only) and the management account CI role's policy.

use std::path::PathBuf;
use std::process::ExitCode;

use warden_app::bootstrap::{BootstrapRequest, bootstrap_files, write_bootstrap};

#[derive(clap::Args)]
pub struct Args {
    /// Directory to write the templates and policies to (created if missing).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The role in the management account that runs Warden (CI); the only principal the
    /// access role trusts.
    #[arg(long, value_name = "NAME", default_value = "warden-ci")]
    ci_role: String,
    /// The CI role's IAM path.
    #[arg(long, value_name = "PATH", default_value = "/")]
    ci_role_path: String,
    /// The repository (default: the nearest `warden.yaml` upward).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = super::root::resolve(args.root.as_deref())?;
    let definitions = warden_spec::Definitions::load(&root)?;
    let request = BootstrapRequest {
        ci_role_name: args.ci_role,
        ci_role_path: args.ci_role_path,
    };
    let files = bootstrap_files(&definitions.config, definitions.partition(), &request)?;
    write_bootstrap(&args.out, &files)?;
    for file in &files {
        super::say!("wrote {}", args.out.join(file.name).display());
    }
    super::say!(
        "deploy access-role.template.json as a service-managed StackSet to your organizational units, with ExternalId from `{}` (NoEcho); attach management-policy.json to the CI role",
        definitions.config.external_id_env
    );
    Ok(ExitCode::SUCCESS)
}
