//! `cargo xtask`: Warden's command line. Parses arguments and calls into the libraries.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: `lint` of a directory allocates millions of small
/// strings on every core (policy documents, catalog services, findings), and glibc's malloc
/// took about a tenth of the run's CPU time. Built without transparent huge pages (`no_thp`):
/// asking for them made a process started after another had freed memory spend most of its
/// time in the kernel clearing 2 MiB pages (a corpus lint after parliament: 120 ms, 80 ms without).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Organization-wide AWS IAM policy-as-code.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the main job against a local emulator with a seeded organization.
    Demo(cmd::demo::Args),
    /// Run every check and test, as CI does.
    Ci(cmd::ci::Args),
    /// Work with single IAM policy documents.
    #[command(subcommand)]
    Policy(cmd::policy::Command),
    /// Query or refresh the embedded AWS action catalog.
    #[command(subcommand)]
    Catalog(cmd::catalog::Command),
    /// Lint definitions, policy JSON files or account exports.
    Lint(cmd::lint::Args),
    /// Generate or check the committed JSON schemas for the definition files.
    Schema(cmd::schema::Args),
    /// Generate or check the lint rule pages under docs/rules/ (from each rule's doc comment).
    Docs(cmd::docs::Args),
    /// Compare definitions with live IAM and show the changes.
    Plan(cmd::plan::Args),
    /// Apply a saved plan (or plan and confirm).
    Apply(cmd::apply::Args),
    /// Read-only drift report for scheduled jobs.
    Drift(cmd::drift::Args),
    /// Export an auditor evidence bundle.
    Evidence(cmd::evidence::Args),
    /// Copy the organization's IAM to a directory, for offline commands (`--snapshot DIR`).
    Snapshot(cmd::snapshot::Args),
    /// Write definitions for the roles, policies, boundaries and SCPs Warden does not manage.
    Import(cmd::import::Args),
    /// Report high-risk IAM events from CloudTrail; write matching EventBridge rules.
    Events(cmd::events::Args),
    /// Evaluate a request offline through the AWS decision chain.
    Simulate(cmd::simulate::Args),
    /// Every principal allowed to perform actions on a resource, with the deciding statements.
    WhoCan(cmd::access::WhoCanArgs),
    /// A principal's effective permissions as one consolidated policy.
    PrincipalCan(cmd::access::PrincipalCanArgs),
    /// Privilege-escalation paths to an administrator or out of a permissions boundary.
    Paths(cmd::access::PathsArgs),
    /// Generate least-privilege policies from intent or activity.
    Generate(cmd::generate::Args),
    /// Propose removing granted actions a role never used.
    Refine(cmd::refine::Args),
    /// What a change to the definitions gives or takes away, per principal and account.
    AccessDiff(cmd::access_diff::Args),
    /// Write the access role's StackSet template and the management account's policy.
    Bootstrap(cmd::bootstrap::Args),
    /// Show or remove (`--force`) the organization lock apply takes.
    Unlock(cmd::unlock::Args),
    /// Benchmarks with figures for the notes.
    #[command(subcommand)]
    Bench(cmd::bench::Command),
}

fn main() -> ExitCode {
    use tracing_subscriber::prelude::*;
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARDEN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(warden_aws::DEFAULT_LOG_FILTER));
    // No secret at any level: the SDK's wire logging is capped whatever WARDEN_LOG says. A
    // second filter caps; adding the caps as EnvFilter directives would raise them instead.
    let caps = warden_aws::LOG_REDACTION_DIRECTIVES
        .iter()
        .filter_map(|directive| {
            directive
                .parse::<tracing_subscriber::filter::Targets>()
                .ok()
        })
        .fold(
            tracing_subscriber::filter::Targets::new()
                .with_default(tracing::level_filters::LevelFilter::TRACE),
            |caps, cap| caps.with_targets(cap),
        );
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                // SDK warnings in CI logs and redirected files stay plain text.
                .with_ansi(cmd::ui::stderr_color())
                .with_filter(filter)
                .with_filter(caps),
        )
        .init();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // `--help` and `--version` are not errors; a usage error must not read as "changes".
            let subcommand = std::env::args().nth(1);
            let code = if err.use_stderr() {
                usage_error_code(subcommand.as_deref())
            } else {
                0
            };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Demo(args) => cmd::demo::run(args),
        Command::Ci(args) => cmd::ci::run(args),
        Command::Policy(command) => cmd::policy::run(command),
        Command::Catalog(command) => cmd::catalog::run(command),
        Command::Lint(args) => cmd::lint::run(args),
        Command::Schema(args) => cmd::schema::run(args),
        Command::Docs(args) => cmd::docs::run(args),
        Command::Plan(args) => cmd::plan::run(args),
        Command::Apply(args) => cmd::apply::run(args),
        Command::Drift(args) => cmd::drift::run(args),
        Command::Evidence(args) => cmd::evidence::run(args),
        Command::Snapshot(args) => cmd::snapshot::run(args),
        Command::Import(args) => cmd::import::run(args),
        Command::Events(args) => cmd::events::run(args),
        Command::Simulate(args) => cmd::simulate::run(args),
        Command::WhoCan(args) => cmd::access::who_can(args),
        Command::PrincipalCan(args) => cmd::access::principal_can(args),
        Command::Paths(args) => cmd::access::paths(args),
        Command::Generate(args) => cmd::generate::run(args),
        Command::Refine(args) => cmd::refine::run(args),
        Command::AccessDiff(args) => cmd::access_diff::run(args),
        Command::Bootstrap(args) => cmd::bootstrap::run(args),
        Command::Unlock(args) => cmd::unlock::run(args),
        Command::Bench(command) => cmd::bench::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            // Exit code 2: bad input or usage, as documented for every command.
            ExitCode::from(2)
        }
    }
}

/// Usage errors exit 2, except for the commands where 2 means "there are changes" (`plan
/// --detailed-exitcode`, `drift --fail-on drift`): there every error exits 1.
fn usage_error_code(subcommand: Option<&str>) -> u8 {
    match subcommand {
        Some("plan" | "apply" | "drift" | "access-diff") => 1,
        _ => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_never_read_as_changes() {
        for (args, code) in [
            (vec!["cargo xtask", "plan", "--bogus"], 1),
            (vec!["cargo xtask", "drift", "--fail-on", "sometimes"], 1),
            (vec!["cargo xtask", "lint", "--bogus"], 2),
            (vec!["cargo xtask", "no-such-command"], 2),
        ] {
            let err = Cli::try_parse_from(&args).err().expect("a usage error");
            assert!(err.use_stderr(), "{args:?}");
            assert_eq!(usage_error_code(args.get(1).copied()), code, "{args:?}");
        }
        let help = Cli::try_parse_from(["cargo xtask", "plan", "--help"]).err();
        assert!(help.is_some_and(|err| !err.use_stderr()));
    }
}
