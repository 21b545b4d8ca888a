//! Tests over the repository's example definitions and the bad-input fixtures.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::{Account, AccountStatus, Definitions, Organization, OrganizationalUnit};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn account(id: &str, name: &str, parent_id: &str, ou_path: &str, tags: &[(&str, &str)]) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: Some(format!("aws+{name}@acme.example")),
        status: AccountStatus::Active,
        parent_id: parent_id.into(),
        ou_path: ou_path.into(),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn ou(id: &str, name: &str, parent_id: &str, path: &str) -> OrganizationalUnit {
    OrganizationalUnit {
        id: id.into(),
        name: name.into(),
        parent_id: parent_id.into(),
        path: path.into(),
    }
}

/// The sample organization the examples are written for.
pub(crate) fn sample_org() -> Organization {
    Organization {
        id: "o-a1b2c3d4e5".into(),
        management_account_id: "123456789012".into(),
        root_id: "r-a1b2".into(),
        accounts: vec![
            account("123456789012", "management", "r-a1b2", "Root", &[]),
            account(
                "210987654321",
                "payments-prod",
                "ou-a1b2-prod0001",
                "Root/Workloads/Prod",
                &[("Project", "payments"), ("Environment", "prod")],
            ),
            account(
                "310987654321",
                "payments-dev",
                "ou-a1b2-dev00001",
                "Root/Workloads/Dev",
                &[("Project", "payments"), ("Environment", "dev")],
            ),
            account(
                "410987654321",
                "security-audit",
                "ou-a1b2-secur001",
                "Root/Security",
                &[("Project", "security"), ("Environment", "prod")],
            ),
        ],
        organizational_units: vec![
            ou("ou-a1b2-workload", "Workloads", "r-a1b2", "Root/Workloads"),
            ou(
                "ou-a1b2-prod0001",
                "Prod",
                "ou-a1b2-workload",
                "Root/Workloads/Prod",
            ),
            ou(
                "ou-a1b2-dev00001",
                "Dev",
                "ou-a1b2-workload",
                "Root/Workloads/Dev",
            ),
            ou("ou-a1b2-secur001", "Security", "r-a1b2", "Root/Security"),
        ],
    }
}

#[test]
fn repository_examples_load_and_render() {
    let definitions = match Definitions::load(&workspace_root()) {
        Ok(definitions) => definitions,
        Err(errors) => panic!("examples do not load:\n{errors}"),
    };
    let names: Vec<&str> = definitions.roles.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "analytics-export-reader",
            "payments-github-deploy",
            "payments-api-task-execution",
            "payments-api-task"
        ]
    );
    let org = sample_org();
    for account in &org.accounts {
        if let Err(errors) = definitions.render_for_account(&org, account) {
            panic!("rendering for {} fails:\n{errors}", account.id);
        }
    }
    let scps = definitions.render_scps(&org).unwrap();
    assert_eq!(scps.len(), 2);
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A fixture as a repository: its files, plus the base `warden.yaml` unless it has its own.
fn fixture_repo(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures_dir().join(name), dir.path());
    let _ = std::fs::remove_file(dir.path().join("expected.txt"));
    if !dir.path().join("warden.yaml").exists() {
        std::fs::copy(
            fixtures_dir().join("base-warden.yaml"),
            dir.path().join("warden.yaml"),
        )
        .unwrap();
    }
    dir
}

/// Every fixture directory holds bad input and `expected.txt`: the exact errors, one per line.
#[test]
fn bad_input_fixtures_report_every_error_with_its_position() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let path = entry.unwrap().path();
        if !path.is_dir() {
            continue;
        }
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let repo = fixture_repo(&name);
        let actual = match Definitions::load(repo.path()) {
            Ok(_) => String::from("(loaded without errors)\n"),
            Err(errors) => format!("{errors}\n"),
        };
        // After reviewing a change in messages: WARDEN_BLESS_FIXTURES=1 cargo test -p warden-spec
        if std::env::var_os("WARDEN_BLESS_FIXTURES").is_some() {
            std::fs::write(path.join("expected.txt"), &actual).unwrap();
        }
        let expected = std::fs::read_to_string(path.join("expected.txt"))
            .unwrap_or_else(|_| panic!("fixture `{name}` has no expected.txt"));
        if actual != expected {
            failures.push(format!(
                "fixture `{name}`:\n--- expected\n{expected}--- actual\n{actual}"
            ));
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
