//! Checks every `${name}` in the definitions against the known variables, and finds the exact
//! column of a variable inside a YAML scalar.

use std::collections::BTreeSet;

use crate::defs::{Config, Location, PolicyRef, Template};
use crate::err::SpecErrorKind;
use crate::load::{Loader, SourceFile, closest};
use crate::vars;
use crate::yaml::{Node, Pos, Value};

impl Loader {
    /// Every `${name}` must be a built-in or a user variable; SCPs may only use organization-wide
    /// ones.
    pub(crate) fn check_variables(&mut self, config: &Config, files: &[SourceFile]) {
        let mut known: BTreeSet<String> = vars::BUILTIN
            .iter()
            .map(|name| (*name).to_owned())
            .collect();
        known.extend(config.variables.global.keys().cloned());
        known.extend(
            config
                .variables
                .ous
                .values()
                .flat_map(|level| level.keys().cloned()),
        );
        known.extend(
            config
                .variables
                .accounts
                .values()
                .flat_map(|level| level.keys().cloned()),
        );
        let org_wide: BTreeSet<String> = ["org_id", "region"]
            .iter()
            .map(|n| (*n).to_owned())
            .chain(config.variables.global.keys().cloned())
            .collect();
        let text_of = |path: &str| {
            files
                .iter()
                .find(|f| f.path == path)
                .map_or("", SourceFile::text)
        };
        let mut found = Vec::new();
        for role in &self.roles {
            let statements = role.trust.iter().chain(
                role.inline_policies
                    .iter()
                    .flat_map(|p| p.statements.iter()),
            );
            collect_template_refs(
                role.description.iter().chain(role.tags.values()),
                &mut found,
            );
            for statement in statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
            for reference in &role.managed_policies {
                if let PolicyRef::Arn { arn, location } = reference {
                    let pos = Pos {
                        line: location.line,
                        column: location.column,
                    };
                    push_refs(&location.file, pos, arn, &mut found);
                }
            }
        }
        for policy in self.managed_policies.iter().chain(&self.boundaries) {
            collect_template_refs(
                policy.description.iter().chain(policy.tags.values()),
                &mut found,
            );
            for statement in &policy.statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
        }
        let scp_start = found.len();
        for scp in &self.scps {
            collect_template_refs(scp.description.iter().chain(scp.tags.values()), &mut found);
            for statement in &scp.statements {
                collect_node_refs(&statement.location.file, &statement.node, &mut found);
            }
        }
        for (index, reference) in found.into_iter().enumerate() {
            let location = precise_location(text_of(&reference.file), &reference);
            match reference.result {
                Err(malformed) => self.errors.push(
                    location,
                    SpecErrorKind::MalformedVariable {
                        text: malformed.text,
                        reason: malformed.reason,
                    },
                ),
                Ok(name) if !known.contains(&name) => {
                    let known_list = known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    self.errors.push(
                        location,
                        SpecErrorKind::UnknownVariable {
                            suggestion: closest(&name, known.iter().map(String::as_str)),
                            name,
                            known: known_list,
                        },
                    );
                }
                Ok(name) if index >= scp_start && !org_wide.contains(&name) => {
                    self.errors
                        .push(location, SpecErrorKind::AccountVariableInScp { name });
                }
                Ok(_) => {}
            }
        }
    }
}

/// A variable reference found in a definition, before it is checked.
pub(crate) struct FoundRef {
    pub file: String,
    pub pos: Pos,
    pub scalar: String,
    pub char_offset: usize,
    pub result: Result<String, vars::Malformed>,
}

pub(crate) fn collect_template_refs<'a>(
    templates: impl Iterator<Item = &'a Template>,
    found: &mut Vec<FoundRef>,
) {
    for template in templates {
        let pos = Pos {
            line: template.location.line,
            column: template.location.column,
        };
        push_refs(&template.location.file, pos, &template.text, found);
    }
}

pub(crate) fn collect_node_refs(file: &str, node: &Node, found: &mut Vec<FoundRef>) {
    match &node.value {
        Value::Str(text) => push_refs(file, node.pos, text, found),
        Value::Seq(items) => items
            .iter()
            .for_each(|item| collect_node_refs(file, item, found)),
        Value::Map(entries) => {
            for (key, value) in entries {
                if key.text != "justification" {
                    push_refs(file, key.pos, &key.text, found);
                    collect_node_refs(file, value, found);
                }
            }
        }
        _ => {}
    }
}

pub(crate) fn push_refs(file: &str, pos: Pos, text: &str, found: &mut Vec<FoundRef>) {
    let base = |char_offset, result| FoundRef {
        file: file.to_owned(),
        pos,
        scalar: text.to_owned(),
        char_offset,
        result,
    };
    match vars::references(text) {
        Ok(references) => found.extend(
            references
                .into_iter()
                .map(|r| base(r.char_offset, Ok(r.name))),
        ),
        Err(malformed) => found.push(base(malformed.char_offset, Err(malformed))),
    }
}

/// The location of the `$` of a variable: exact when the scalar starts on its line as written
/// (plain or quoted), else the start of the scalar.
pub(crate) fn precise_location(file_text: &str, reference: &FoundRef) -> Location {
    let column = column_within_scalar(
        file_text,
        reference.pos,
        &reference.scalar,
        reference.char_offset,
    );
    Location {
        file: reference.file.clone(),
        line: reference.pos.line,
        column: column.unwrap_or(reference.pos.column),
    }
}

pub(crate) fn column_within_scalar(
    file_text: &str,
    pos: Pos,
    scalar: &str,
    char_offset: usize,
) -> Option<u32> {
    let line = file_text
        .lines()
        .nth(usize::try_from(pos.line).ok()?.checked_sub(1)?)?;
    let from_column: String = line
        .chars()
        .skip(usize::try_from(pos.column).ok()?.checked_sub(1)?)
        .collect();
    let prefix: String = scalar.chars().take(char_offset + 2).collect();
    if prefix.contains('\n') {
        return None;
    }
    let offset = u32::try_from(char_offset).ok()?;
    if from_column.starts_with(&prefix) {
        Some(pos.column + offset)
    } else if (from_column.starts_with('"') || from_column.starts_with('\''))
        && from_column[1..].starts_with(&prefix)
    {
        Some(pos.column + 1 + offset)
    } else {
        None
    }
}
