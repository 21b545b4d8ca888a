//! Refinement: which granted actions a role never used, and the statements without them.
//!
//! Granted actions are the role definition's Allow statements (inline policies and the Warden
//! managed policies it attaches), wildcards expanded through the catalog; used actions come from
//! [`crate::activity`]. A wildcard whose every match was used stays as written; otherwise it is
//! replaced by the matches that were used. Deny statements, `NotAction` and actions the catalog
//! does not know are left alone.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};
use warden_catalog::Catalog;
use warden_policy::wildcard::has_wildcard;

/// Actions CloudTrail never records: authorization-only permissions checked inside another call
/// (`iam:PassRole` is checked when ECS, Lambda, … receive a role ARN). They are never proposed for
/// removal.
pub const UNOBSERVABLE_ACTIONS: [&str; 1] = ["iam:passrole"];

/// One Allow statement of the role's definition, as written.
#[derive(Debug, Clone, PartialEq)]
pub struct GrantedStatement {
    /// `inline_policies.NAME` or `managed_policies.NAME`.
    pub policy: String,
    pub statement: Map<String, Value>,
}

impl GrantedStatement {
    pub fn sid(&self) -> Option<&str> {
        self.statement.get("Sid").and_then(Value::as_str)
    }

    fn actions(&self) -> Vec<String> {
        match self.statement.get("Action") {
            Some(Value::String(one)) => vec![one.clone()],
            Some(Value::Array(many)) => many
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => vec![],
        }
    }
}

/// A proposed change to one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub policy: String,
    pub sid: Option<String>,
    /// Granted (expanded) actions that were never used.
    pub unused: Vec<String>,
    /// The statement with the new `Action`, or `None` when nothing in it was used.
    pub replacement: Option<Map<String, Value>>,
}

/// Proposals for the statements that grant actions outside `used` (canonical or lowercase names).
pub fn propose(
    granted: &[GrantedStatement],
    used: &BTreeSet<String>,
    catalog: &Catalog,
) -> Vec<Proposal> {
    let mut used: BTreeSet<String> = used.iter().map(|name| name.to_ascii_lowercase()).collect();
    used.extend(UNOBSERVABLE_ACTIONS.iter().map(|name| (*name).to_owned()));
    let mut proposals = Vec::new();
    for statement in granted {
        let mut kept: Vec<String> = Vec::new();
        let mut unused: Vec<String> = Vec::new();
        for pattern in statement.actions() {
            let Ok(matches) = catalog.expand(&pattern) else {
                kept.push(pattern);
                continue;
            };
            if matches.is_empty() {
                kept.push(pattern);
                continue;
            }
            let (in_use, idle): (Vec<&warden_catalog::Action>, Vec<&warden_catalog::Action>) =
                matches
                    .into_iter()
                    .partition(|action| used.contains(&action.full_name().to_ascii_lowercase()));
            if idle.is_empty() {
                kept.push(pattern);
            } else {
                unused.extend(idle.iter().map(|action| action.full_name()));
                if has_wildcard(&pattern) {
                    kept.extend(in_use.iter().map(|action| action.full_name()));
                } else if !in_use.is_empty() {
                    kept.push(pattern);
                }
            }
        }
        if unused.is_empty() {
            continue;
        }
        unused.sort();
        unused.dedup();
        kept.dedup();
        let replacement = (!kept.is_empty()).then(|| {
            let mut replaced = statement.statement.clone();
            let action = if kept.len() == 1 {
                json!(kept[0])
            } else {
                json!(kept)
            };
            replaced.insert("Action".into(), action);
            replaced
        });
        proposals.push(Proposal {
            policy: statement.policy.clone(),
            sid: statement.sid().map(str::to_owned),
            unused,
            replacement,
        });
    }
    proposals
}

/// The proposals as YAML a reviewer can paste over the statements in the definition file.
pub fn proposals_yaml(role: &str, proposals: &[Proposal], window: &str) -> String {
    let mut out = format!("# Refinement of role `{role}` from CloudTrail activity {window}.\n");
    out.push_str("# Actions used rarely (quarterly jobs, incident tooling) may be missing from a short trail, and\n");
    out.push_str("# data events (S3 objects, DynamoDB items, Lambda invocations) appear only if the trail logs them.\n");
    if proposals.is_empty() {
        out.push_str("# Every granted action was used: nothing to remove.\n");
        return out;
    }
    for proposal in proposals {
        let sid = proposal.sid.as_deref().unwrap_or("(no Sid)");
        out.push_str(&format!(
            "\n# {} / {sid}: never used: {}\n",
            proposal.policy,
            proposal.unused.join(", ")
        ));
        match &proposal.replacement {
            Some(statement) => {
                let text = serde_saphyr::to_string(&vec![Value::Object(statement.clone())])
                    .unwrap_or_default();
                out.push_str(&text);
                if !out.ends_with('\n') {
                    out.push('\n');
                }
            }
            None => out.push_str("# remove the statement: none of its actions was used\n"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_role_is_never_proposed_for_removal() {
        let statement = json!({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"});
        let granted = [GrantedStatement {
            policy: "inline_policies.p".into(),
            statement: statement.as_object().cloned().unwrap_or_default(),
        }];
        assert!(
            propose(&granted, &BTreeSet::new(), Catalog::embedded()).is_empty(),
            "PassRole is never logged, so never proposed for removal"
        );
    }
}

/// One statement edit in a definition file: the statement's Sid and its replacement (`None`
/// removes it).
pub struct Edit<'a> {
    pub sid: &'a str,
    pub replacement: Option<&'a Map<String, Value>>,
}

/// A unified diff (`--- a/PATH`, `+++ b/PATH`, 3 lines of context) that applies `edits` to the
/// definition file `text`, for statements written as list items starting with `- Sid: NAME`.
/// Returns `None` when no edit found its statement.
pub fn unified_diff(path: &str, text: &str, edits: &[Edit<'_>]) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut changes: Vec<(std::ops::Range<usize>, Vec<String>)> = edits
        .iter()
        .filter_map(|edit| {
            let block = statement_block(&lines, edit.sid)?;
            let indent = lines[block.start].len() - lines[block.start].trim_start().len();
            let new_lines = edit
                .replacement
                .map(|statement| block_lines(statement, indent))
                .unwrap_or_default();
            Some((block, new_lines))
        })
        .collect();
    if changes.is_empty() {
        return None;
    }
    changes.sort_by_key(|(range, _)| range.start);
    let mut out = format!("--- a/{path}\n+++ b/{path}\n");
    let mut offset: isize = 0;
    let mut index = 0;
    while index < changes.len() {
        // Changes whose 3-line contexts touch go into one hunk.
        let mut last = index;
        while last + 1 < changes.len() && changes[last + 1].0.start <= changes[last].0.end + 6 {
            last += 1;
        }
        let group = &changes[index..=last];
        let start = group[0].0.start.saturating_sub(3);
        let end = (group[last - index].0.end + 3).min(lines.len());
        let mut body = String::new();
        let mut cursor = start;
        let mut new_count = 0;
        for (range, new_lines) in group {
            for line in &lines[cursor..range.start] {
                body.push_str(&format!(" {line}\n"));
                new_count += 1;
            }
            for line in &lines[range.clone()] {
                body.push_str(&format!("-{line}\n"));
            }
            for line in new_lines {
                body.push_str(&format!("+{line}\n"));
                new_count += 1;
            }
            cursor = range.end;
        }
        for line in &lines[cursor..end] {
            body.push_str(&format!(" {line}\n"));
            new_count += 1;
        }
        let old_count = end - start;
        let new_start = start as isize + offset + 1;
        out.push_str(&format!(
            "@@ -{},{old_count} +{new_start},{new_count} @@\n{body}",
            start + 1
        ));
        offset += new_count as isize - old_count as isize;
        index = last + 1;
    }
    Some(out)
}

/// Lines of the list item `- Sid: NAME` (to the next line indented as little or less).
fn statement_block(lines: &[&str], sid: &str) -> Option<std::ops::Range<usize>> {
    let start = lines.iter().position(|line| {
        let trimmed = line.trim_start();
        trimmed
            .strip_prefix("- Sid:")
            .map(|rest| rest.trim().trim_matches(['"', '\'']))
            == Some(sid)
    })?;
    let indent = lines[start].len() - lines[start].trim_start().len();
    let end = lines[start + 1..]
        .iter()
        .position(|line| {
            let trimmed = line.trim_start();
            !trimmed.is_empty() && line.len() - trimmed.len() <= indent
        })
        .map_or(lines.len(), |offset| start + 1 + offset);
    Some(start..end)
}

/// The statement as a YAML list item indented by `indent` spaces.
fn block_lines(statement: &Map<String, Value>, indent: usize) -> Vec<String> {
    let text = serde_saphyr::to_string(&vec![Value::Object(statement.clone())]).unwrap_or_default();
    text.lines()
        .map(|line| format!("{}{line}", " ".repeat(indent)))
        .collect()
}

#[cfg(test)]
mod diff_tests {
    use super::*;

    const FILE: &str = "kind: Role
name: app
inline_policies:
  app:
    - Sid: Objects
      Effect: Allow
      Action: [s3:GetObject, s3:GetObjectAcl]
      Resource: arn:aws:s3:::b/*
    - Sid: Queue
      Effect: Allow
      Action: sqs:SendMessage
      Resource: \"*\"
boundary: workload-boundary
";

    #[test]
    fn diff_replaces_and_removes_statements() {
        let mut objects = Map::new();
        objects.insert("Sid".into(), json!("Objects"));
        objects.insert("Effect".into(), json!("Allow"));
        objects.insert("Action".into(), json!("s3:GetObject"));
        objects.insert("Resource".into(), json!("arn:aws:s3:::b/*"));
        let edits = [
            Edit {
                sid: "Objects",
                replacement: Some(&objects),
            },
            Edit {
                sid: "Queue",
                replacement: None,
            },
        ];
        let diff = unified_diff("policies/app.yaml", FILE, &edits).unwrap();
        assert_eq!(
            diff,
            "--- a/policies/app.yaml
+++ b/policies/app.yaml
@@ -2,12 +2,8 @@
 name: app
 inline_policies:
   app:
-    - Sid: Objects
-      Effect: Allow
-      Action: [s3:GetObject, s3:GetObjectAcl]
-      Resource: arn:aws:s3:::b/*
+    - Sid: Objects
+      Effect: Allow
+      Action: s3:GetObject
+      Resource: arn:aws:s3:::b/*
-    - Sid: Queue
-      Effect: Allow
-      Action: sqs:SendMessage
-      Resource: \"*\"
 boundary: workload-boundary
"
        );
        assert!(
            unified_diff(
                "x",
                FILE,
                &[Edit {
                    sid: "Missing",
                    replacement: None
                }]
            )
            .is_none()
        );
    }
}
