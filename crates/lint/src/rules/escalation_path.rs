//! WL790: a principal that can become an administrator through a chain of escalation steps
//! (reported by warden-app, which sees the whole organization; registered here for its
//! documentation, SARIF metadata and `lint --rules`).

use crate::finding::Severity;
use crate::rule::{Group, Rule, RuleMeta};

/// ## What it does
/// Flags every role or user that can become an administrator of its account (allowed `*` on
/// `*`, or IAM policy writes on every role) in one or more steps, and names each step with its
/// method: passing a more privileged role to a service it can run code in, assuming a role whose
/// trust admits it, writing a policy onto itself or onto a principal it can then become, adding
/// itself to a group, making an older policy version the default, removing a boundary. The
/// methods are those of WL602 (`crates/lint/data/escalation_methods.json`) plus code execution
/// in existing resources, group methods, `iam:SetDefaultPolicyVersion` and boundary removal,
/// followed from principal to principal.
///
/// The check needs every principal of the organization at once, so it runs only when lint sees
/// the organization: `cargo xtask lint --org FILE` (the definitions rendered for every account),
/// `--snapshot DIR` and `--live`; `--account ID` keeps the paths of that account's principals.
/// `cargo xtask paths --to admin` prints the same paths. WL602 judges one principal's own
/// permissions; WL790 follows what those permissions lead to.
///
/// ## Why is this bad?
/// A principal that can reach administrator is an administrator in all but name: its
/// permission review, boundary and least-privilege findings understate what it can do. Each
/// step is usually harmless alone (a `PassRole` here, a trust policy there); the chain is the
/// risk, and it is invisible when policies are read one at a time.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
///
/// ## Example
/// Role `builder` may `iam:PassRole` any role of its account and create and invoke Lambda
/// functions, and role `deployer` (`AdministratorAccess`) trusts `lambda.amazonaws.com`:
/// ```text
/// `builder` can become an administrator in 1 step(s): passes
/// arn:aws:iam::222233334444:role/deployer to lambda.amazonaws.com and runs code as it
/// (iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction) [lambda-create-function-invoke]
/// ```
///
/// ## Fix
/// Break the first step: scope `iam:PassRole` to the roles the principal must pass (with
/// `iam:PassedToService`), narrow the trust policy of the role it reaches, or deny the IAM
/// writes with a permission boundary. Run `cargo xtask paths --from PRINCIPAL --to admin` after
/// the change to see that no path is left.
pub struct EscalationPath;

/// The rule's metadata; warden-app's findings carry this id.
pub static META: RuleMeta = RuleMeta {
    id: "WL790",
    name: "escalation-path",
    group: Group::Guardrails,
    severity: Severity::Error,
    summary: "principal that can become an administrator in one or more escalation steps",
};

impl Rule for EscalationPath {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }
    // No check here: `warden_app::paths` reports it over the organization's access model.
}
