//! The definition files as an editor sees them: every example names its JSON schema in a
//! `yaml-language-server` header, and validates against it with a standard JSON Schema validator
//! (python-jsonschema from the project venv), while a typo is rejected.

use std::process::Command;

use warden_e2e::{venv, workspace_root};

const VALIDATE: &str = r##"
import glob, json, sys, yaml
from jsonschema import Draft202012Validator

root = sys.argv[1]
files = ["warden.yaml"] + sorted(glob.glob("policies/**/*.y*ml", root_dir=root, recursive=True)
    + glob.glob("boundaries/**/*.y*ml", root_dir=root, recursive=True)
    + glob.glob("scps/**/*.y*ml", root_dir=root, recursive=True))
checked = 0
for name in files:
    path = f"{root}/{name}"
    header = open(path).readline()
    prefix = "# yaml-language-server: $schema="
    if not header.startswith(prefix):
        sys.exit(f"{name}: first line is not a `{prefix}…` header")
    schema_path = f"{root}/{name.rsplit('/', 1)[0] if '/' in name else '.'}/{header[len(prefix):].strip()}"
    validator = Draft202012Validator(json.load(open(schema_path)))
    for document in yaml.safe_load_all(open(path)):
        if document is None:
            continue
        errors = list(validator.iter_errors(json.loads(json.dumps(document, default=str))))
        if errors:
            sys.exit(f"{name}: {errors[0].message}")
        checked += 1
role = yaml.safe_load(open(f"{root}/policies/github-deploy.yaml"))
role["trust"][0]["Resources"] = "*"
if not list(Draft202012Validator(json.load(open(f"{root}/schemas/role.schema.json"))).iter_errors(role)):
    sys.exit("a statement with the typo `Resources` was accepted")
print(checked)
"##;

#[test]
fn example_definitions_validate_against_their_committed_schemas() {
    let root = workspace_root();
    let output = Command::new(venv().python())
        .arg("-c")
        .arg(VALIDATE)
        .arg(&root)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "schema validation failed: {stderr}{stdout}"
    );
    let checked: usize = stdout.trim().parse().unwrap();
    let definitions = warden_spec::Definitions::load(&root).unwrap();
    let documents = 1
        + definitions.roles.len()
        + definitions.managed_policies.len()
        + definitions.boundaries.len()
        + definitions.scps.len();
    assert_eq!(checked, documents, "every document was validated");
}
