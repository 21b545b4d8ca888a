//! From the serde types to checked definitions: names, paths, targets, tags, references and
//! exceptions, each problem reported at its position.

use std::collections::BTreeMap;

use crate::de::Located;
use crate::defs::{
    Exception, InlinePolicy, Location, ManagedPolicy, PolicyRef, Role, Scp, Selectors, Sourced,
    StatementSource, Targets, Template,
};
use crate::err::SpecErrorKind;
use crate::load::Loader;
use crate::model::{ExceptionDef, Kind, RoleDef, ScpDef, SelectorsDef, TargetsDef};
use crate::statements::DocumentKind;
use crate::target;
use crate::yaml::{Node, Pos, Value};

impl Loader {
    pub(crate) fn check_role_name(&mut self, file: &str, name: &Located<String>) {
        if !is_iam_name(name, 64) {
            self.invalid(
                file,
                name.pos,
                format!(
                    "role name `{}` must be 1 to 64 characters of letters, digits and `+=,.@_-`",
                    name.value
                ),
            );
        }
    }

    pub(crate) fn check_tag_key(&mut self, file: &str, pos: Pos, key: &str) {
        if key.is_empty() || key.chars().count() > 128 {
            self.invalid(
                file,
                pos,
                format!("tag key `{key}` must have 1 to 128 characters"),
            );
        } else if key.to_ascii_lowercase().starts_with("aws:") {
            self.invalid(
                file,
                pos,
                format!("tag key `{key}` uses the reserved prefix `aws:`"),
            );
        }
    }

    pub(crate) fn role(&mut self, file: &str, def: RoleDef, document: &Node) -> Role {
        let name = def.name.value.clone();
        self.check_role_name(file, &def.name);
        let path = self.iam_path(file, def.path.as_ref());
        let description = self.description(file, def.description.as_ref(), 1000);
        let targets = self.targets(
            file,
            &def.targets,
            document.key("targets").map_or(document.pos, |k| k.pos),
        );
        let trust = self.statements(file, document.get("trust"), DocumentKind::Trust);
        let mut inline_policies = Vec::new();
        if let Some(Value::Map(entries)) = document.get("inline_policies").map(|node| &node.value) {
            for (key, node) in entries {
                if !is_iam_name(&key.text, 128) {
                    self.invalid(file, key.pos, format!("policy name `{}` must be 1 to 128 characters of letters, digits and `+=,.@_-`", key.text));
                }
                let statements = self.statements(file, Some(node), DocumentKind::Identity);
                inline_policies.push(InlinePolicy {
                    name: key.text.clone(),
                    statements,
                    location: Location::new(file, key.pos),
                });
            }
        }
        let managed_policies = def
            .managed_policies
            .iter()
            .map(|reference| self.policy_ref(file, reference))
            .collect();
        let boundary = def.boundary.map(|b| Sourced {
            location: Location::new(file, b.pos),
            value: b.value,
        });
        let tags = self.tags(file, &def.tags);
        let max_session_duration = match &def.max_session_duration {
            Some(duration) if !(3600..=43200).contains(&duration.value) => {
                self.invalid(
                    file,
                    duration.pos,
                    format!(
                        "max_session_duration `{}` must be between 3600 and 43200 seconds",
                        duration.value
                    ),
                );
                duration.value
            }
            Some(duration) => duration.value,
            None => 3600,
        };
        let all_statements: Vec<&StatementSource> = trust
            .iter()
            .chain(
                inline_policies
                    .iter()
                    .flat_map(|policy| policy.statements.iter()),
            )
            .collect();
        let exceptions = self.exceptions(file, &def.exceptions, &all_statements, "role", &name);
        Role {
            name,
            path,
            description,
            targets,
            trust,
            inline_policies,
            managed_policies,
            boundary,
            tags,
            max_session_duration,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    pub(crate) fn managed_policy(
        &mut self,
        file: &str,
        kind: Kind,
        parts: PolicyParts,
        document: &Node,
    ) -> ManagedPolicy {
        if !is_iam_name(&parts.name, 128) {
            self.invalid(
                file,
                parts.name.pos,
                format!(
                    "policy name `{}` must be 1 to 128 characters of letters, digits and `+=,.@_-`",
                    parts.name.value
                ),
            );
        }
        let path = self.iam_path(file, parts.path.as_ref());
        let description = self.description(file, parts.description.as_ref(), 1000);
        let targets_pos = document.key("targets").map_or(document.pos, |k| k.pos);
        let targets = parts
            .targets
            .as_ref()
            .map(|t| self.targets(file, t, targets_pos));
        let statements = self.statements(file, document.get("statements"), DocumentKind::Identity);
        let tags = self.tags(file, &parts.tags);
        let what = if kind == Kind::Boundary {
            "boundary"
        } else {
            "managed policy"
        };
        let exceptions = self.exceptions(
            file,
            &parts.exceptions,
            &statements.iter().collect::<Vec<_>>(),
            what,
            &parts.name,
        );
        ManagedPolicy {
            kind,
            name: parts.name.value,
            path,
            description,
            targets,
            statements,
            tags,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    pub(crate) fn scp(&mut self, file: &str, def: ScpDef, document: &Node) -> Scp {
        if def.name.trim().is_empty() || def.name.chars().count() > 128 {
            self.invalid(
                file,
                def.name.pos,
                format!(
                    "SCP name `{}` must have 1 to 128 characters",
                    def.name.value
                ),
            );
        }
        let description = self.description(file, def.description.as_ref(), 512);
        let targets = self.targets(
            file,
            &def.targets,
            document.key("targets").map_or(document.pos, |k| k.pos),
        );
        let statements = self.statements(file, document.get("statements"), DocumentKind::Scp);
        let tags = self.tags(file, &def.tags);
        let exceptions = self.exceptions(
            file,
            &def.exceptions,
            &statements.iter().collect::<Vec<_>>(),
            "SCP",
            &def.name,
        );
        Scp {
            name: def.name.value,
            description,
            targets,
            statements,
            tags,
            exceptions,
            source: Location::new(file, document.pos),
        }
    }

    pub(crate) fn iam_path(&mut self, file: &str, path: Option<&Located<String>>) -> String {
        let Some(path) = path else {
            return "/".to_owned();
        };
        let well_formed = path.starts_with('/')
            && path.ends_with('/')
            && path.chars().count() <= 512
            && path.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c))
            && !path.contains("//");
        if !well_formed {
            self.invalid(file, path.pos, format!("path `{}` must start and end with `/` (e.g. `/workloads/`), at most 512 printable ascii characters", path.value));
        }
        path.value.clone()
    }

    pub(crate) fn description(
        &mut self,
        file: &str,
        description: Option<&Located<String>>,
        max: usize,
    ) -> Option<Template> {
        let description = description?;
        if description.chars().count() > max {
            self.invalid(
                file,
                description.pos,
                format!(
                    "description has {} characters, at most {max} allowed",
                    description.chars().count()
                ),
            );
        }
        Some(Template {
            text: description.value.clone(),
            location: Location::new(file, description.pos),
        })
    }

    pub(crate) fn tags(
        &mut self,
        file: &str,
        tags: &BTreeMap<Located<String>, Located<String>>,
    ) -> BTreeMap<String, Template> {
        if tags.len() > 49 {
            let pos = tags.keys().next().map_or(Pos::default(), |k| k.pos);
            self.invalid(
                file,
                pos,
                format!(
                    "{} tags, at most 49 allowed (Warden adds its marker tag)",
                    tags.len()
                ),
            );
        }
        let mut out = BTreeMap::new();
        for (key, value) in tags {
            self.check_tag_key(file, key.pos, key);
            if self.marker_key.as_deref() == Some(key.as_str()) {
                self.invalid(
                    file,
                    key.pos,
                    format!(
                        "tag `{}` is Warden's managed marker and is set by Warden",
                        key.value
                    ),
                );
            }
            if value.chars().count() > 256 {
                self.invalid(
                    file,
                    value.pos,
                    format!("tag value of `{}` has more than 256 characters", key.value),
                );
            }
            out.insert(
                key.value.clone(),
                Template {
                    text: value.value.clone(),
                    location: Location::new(file, value.pos),
                },
            );
        }
        out
    }

    pub(crate) fn policy_ref(&mut self, file: &str, reference: &Located<String>) -> PolicyRef {
        let location = Location::new(file, reference.pos);
        if reference.starts_with("arn:") {
            // `${partition}` is checked as the partition it renders to (one organization, one
            // partition); any partition name stands for it here.
            let checked = reference.replace("${partition}", "aws");
            let is_policy = warden_policy::Arn::parse(&checked).is_ok_and(|arn| {
                arn.service == "iam" && arn.region.is_empty() && arn.resource.starts_with("policy/")
            });
            if !is_policy {
                self.invalid(file, reference.pos, format!("`{}` is not an IAM policy arn such as `arn:aws:iam::aws:policy/ReadOnlyAccess`", reference.value));
            }
            return PolicyRef::Arn {
                arn: reference.value.clone(),
                location,
            };
        }
        PolicyRef::Warden {
            name: reference.value.clone(),
            location,
        }
    }

    pub(crate) fn targets(&mut self, file: &str, def: &TargetsDef, pos: Pos) -> Targets {
        let include = self.selectors(
            file,
            &SelectorsDef {
                accounts: def.accounts.clone(),
                ous: def.ous.clone(),
                tags: def.tags.clone(),
            },
        );
        let exclude = self.selectors(file, &def.exclude);
        if include.is_empty() {
            self.invalid(
                file,
                pos,
                "targets must name at least one account, OU or tag",
            );
        }
        Targets {
            include,
            exclude,
            location: Location::new(file, pos),
        }
    }

    pub(crate) fn selectors(&mut self, file: &str, def: &SelectorsDef) -> Selectors {
        let mut selectors = Selectors::default();
        for text in &def.accounts {
            match target::parse_account(text) {
                Ok(value) => selectors.accounts.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        for text in &def.ous {
            match target::parse_ou(text) {
                Ok(value) => selectors.ous.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        for text in &def.tags {
            match target::parse_tag(text) {
                Ok(value) => selectors.tags.push(Sourced {
                    value,
                    location: Location::new(file, text.pos),
                }),
                Err(reason) => self.target_error(file, text, reason),
            }
        }
        selectors
    }

    pub(crate) fn target_error(&mut self, file: &str, text: &Located<String>, reason: String) {
        self.errors.push(
            Location::new(file, text.pos),
            SpecErrorKind::InvalidTarget {
                target: text.value.clone(),
                reason,
            },
        );
    }

    pub(crate) fn exceptions(
        &mut self,
        file: &str,
        defs: &[Located<ExceptionDef>],
        statements: &[&StatementSource],
        what: &'static str,
        name: &str,
    ) -> Vec<Exception> {
        let mut out = Vec::new();
        for def in defs {
            if let Some(sid) = &def.sid
                && !statements
                    .iter()
                    .any(|s| s.sid.as_deref() == Some(sid.as_str()))
            {
                self.errors.push(
                    Location::new(file, sid.pos),
                    SpecErrorKind::DanglingReference {
                        what: "statement Sid",
                        name: sid.value.clone(),
                        hint: format!(" in {what} `{name}`"),
                    },
                );
            }
            for (field, value) in [
                ("rule", &def.rule),
                ("reason", &def.reason),
                ("owner", &def.owner),
            ] {
                if value.trim().is_empty() {
                    self.invalid(
                        file,
                        value.pos,
                        format!("exception `{field}` must not be empty"),
                    );
                }
            }
            let Some(expires) = warden_policy::date::parse_day(&def.expires) else {
                self.invalid(
                    file,
                    def.expires.pos,
                    format!("`{}` is not a date `YYYY-MM-DD`", def.expires.value),
                );
                continue;
            };
            out.push(Exception {
                rule: def.rule.value.clone(),
                sid: def.sid.as_ref().map(|sid| sid.value.clone()),
                reason: def.reason.value.clone(),
                owner: def.owner.value.clone(),
                expires,
                location: Location::new(file, def.pos),
            });
        }
        out
    }
}

/// The common part of managed policies and boundaries.
pub(crate) struct PolicyParts {
    pub(crate) name: Located<String>,
    pub(crate) path: Option<Located<String>>,
    pub(crate) description: Option<Located<String>>,
    pub(crate) targets: Option<TargetsDef>,
    pub(crate) tags: BTreeMap<Located<String>, Located<String>>,
    pub(crate) exceptions: Vec<Located<ExceptionDef>>,
}

pub(crate) fn is_iam_name(text: &str, max: usize) -> bool {
    (1..=max).contains(&text.chars().count())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}
