//! WL903: an action, resource or condition value that another one of the same statement
//! already covers, and a statement that another statement of the same policy already covers.

use std::fmt::Write as _;

use warden_policy::wildcard::{Case, has_wildcard, matches};
use warden_policy::{ActionClause, Effect, ResourceClause, Statement};

use crate::finding::{Finding, Severity};
use crate::rule::{DocumentCx, Group, Rule, RuleMeta};

/// ## What it does
/// Flags, within one statement, an `Action`/`NotAction` entry that repeats another or that
/// another entry's wildcard already names (`s3:GetObject` beside `s3:Get*`), a `Resource`/
/// `NotResource` entry repeated or matched by another entry's wildcard
/// (`arn:aws:s3:::data/report.csv` beside `arn:aws:s3:::data/*`), and a value repeated under
/// the same condition key. Access Analyzer reports these as "Redundant action", "Redundant
/// resource" and "Redundant condition value num" suggestions.
///
/// It also flags a whole statement that another statement of the same policy already covers
/// ("Redundant statement"): same `Effect`, same `Principal`/`NotPrincipal`, the same
/// conditions (the same operator, key and set of values for every entry, in any order) or
/// none in both, and every action and resource of it matched by the other statement. Coverage
/// is judged with the one IAM wildcard matcher: a literal entry is covered by a pattern that
/// matches it; a wildcard entry by an equal entry or by a pattern with `*` only (no `?`) that
/// matches its text (`s3:Get*` covers `s3:GetObject*`); an entry with a policy variable only by
/// an equal one or by `*`. `NotAction`/`NotResource` statements are covered by one whose
/// exclusions are all excluded by theirs, or by `"Action": "*"`/`"Resource": "*"`. Of two
/// identical statements the later is reported. Only proven claims: conditions that differ in
/// any way, or coverage that needs the catalog (`s3:Get*` against a list of every `s3:Get`
/// action), are not judged.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html
///
/// ## Why is this bad?
/// They change nothing about access but cost policy size (IAM counts every character against
/// the 6,144 limit of a managed policy) and make reviewers wonder whether something narrower
/// was meant.
///
/// ## Example
/// ```json
/// {"Sid": "Read", "Effect": "Allow", "Action": ["s3:Get*", "s3:GetObject"],
///  "Resource": ["arn:aws:s3:::data/*", "arn:aws:s3:::data/report.csv"]}
/// ```
///
/// ## Fix
/// Remove the covered entries, or narrow the wildcard if the covered entry was the intent.
/// Remove a covered statement, or, if it was meant to differ (another resource, a condition),
/// make it say so.
pub struct RedundantElement;

static META: RuleMeta = RuleMeta {
    id: "WL903",
    name: "redundant-element",
    group: Group::Hygiene,
    severity: Severity::Info,
    summary: "action, resource, condition value or statement already covered in the same policy",
};

impl Rule for RedundantElement {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_document(&self, cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
        for (index, statement) in cx.statements() {
            let mut redundant: Vec<String> = Vec::new();
            let actions = match &statement.action {
                ActionClause::Action(values) | ActionClause::NotAction(values) => &values.items,
            };
            for (entry, by) in covered(actions, Case::Insensitive) {
                redundant.push(format!("action `{entry}` {}", why(entry, by)));
            }
            if let Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) =
                &statement.resource
            {
                for (entry, by) in covered(&values.items, Case::Sensitive) {
                    redundant.push(format!("resource `{entry}` {}", why(entry, by)));
                }
            }
            for (operator, entry) in super::condition_entries(statement) {
                let values = &entry.values.items;
                if let Some(value) = values
                    .iter()
                    .enumerate()
                    .find(|(at, value)| {
                        let text = value.as_text();
                        values[..*at]
                            .iter()
                            .any(|earlier| earlier.as_text() == text)
                    })
                    .map(|(_, value)| value.as_text())
                {
                    redundant.push(format!(
                        "value `{value}` repeated under `{}` `{}`",
                        operator.base, entry.key
                    ));
                }
            }
            if redundant.is_empty() {
                continue;
            }
            let total = redundant.len();
            let shown = redundant.into_iter().take(3).collect::<Vec<_>>().join(", ");
            let more = if total > 3 {
                format!(" and {} more", total - 3)
            } else {
                String::new()
            };
            out.push(cx.statement_finding(
                &META,
                index,
                format!(
                    "{} has redundant entries: {shown}{more}",
                    cx.statement_label(index)
                ),
            ));
        }
        redundant_statements(cx, out);
    }
}

/// One finding per statement that another statement of the same policy covers.
fn redundant_statements(cx: &DocumentCx<'_>, out: &mut Vec<Finding>) {
    let statements = &cx.policy.document.statements;
    if statements.len() < 2 {
        return;
    }
    // A statement can only be covered by one of the same effect, kind of resource element and
    // conditions: group the statements by those (one condition signature per statement with
    // conditions) and compare within a group, not every pair of a long policy.
    // Signatures are only worked out where another statement with conditions has the same
    // effect and kind of resource element; elsewhere any placeholder keeps the groups apart.
    // How many statements share each coarse kind (effect, resource element or none,
    // conditions or none), counted once: "no other statement of its kind" is then one lookup,
    // not a pass over the policy per statement.
    let coarse = |statement: &Statement| {
        usize::from(statement.effect == Effect::Allow) * 4
            + usize::from(statement.resource.is_some()) * 2
            + usize::from(statement.condition.is_some())
    };
    let mut kinds = [0usize; 8];
    for statement in statements {
        if let Some(count) = kinds.get_mut(coarse(statement)) {
            *count += 1;
        }
    }
    let signatures: Vec<Option<Vec<String>>> = statements
        .iter()
        .map(|statement| {
            statement.condition.as_ref().map(|_| {
                let alone = kinds.get(coarse(statement)).is_none_or(|count| *count < 2);
                if alone {
                    Vec::new()
                } else {
                    condition_signature(statement)
                }
            })
        })
        .collect();
    let key = |at: usize| {
        (
            statements[at].effect,
            statements[at].resource.is_some(),
            &signatures[at],
        )
    };
    let mut order: Vec<usize> = (0..statements.len()).collect();
    order.sort_by(|a, b| key(*a).cmp(&key(*b)));
    let mut groups: Vec<&[usize]> = vec![&[]; statements.len()];
    for group in order.chunk_by(|a, b| key(*a) == key(*b)) {
        for at in group {
            groups[*at] = group;
        }
    }
    // What a pair comparison reads of each statement, worked out once per statement instead of
    // once per pair (a group of a long policy compares every statement with every other).
    let sides: Vec<Option<Sides<'_>>> = statements
        .iter()
        .enumerate()
        .map(|(at, statement)| (groups[at].len() >= 2).then(|| Sides::of(statement)))
        .collect();
    let covered_by = |a: usize, b: usize| match (&sides[a], &sides[b]) {
        (Some(a_sides), Some(b_sides)) => {
            statement_covered_by(&statements[a], a_sides, &statements[b], b_sides)
        }
        _ => false,
    };
    for (index, statement) in statements.iter().enumerate() {
        if groups[index].len() < 2 {
            continue;
        }
        // The covering statement, and whether the two cover each other (the same access).
        let by = groups[index].iter().find_map(|other| {
            let (other, covering) = (*other, &statements[*other]);
            if other == index
                || statement.principal != covering.principal
                || !covered_by(index, other)
            {
                return None;
            }
            let mutual = covered_by(other, index);
            // Of two statements that cover each other, the later one is reported.
            (other < index || !mutual).then_some((other, covering, mutual))
        });
        let Some((other, covering, mutual)) = by else {
            continue;
        };
        let conditions = if statement.condition.is_some() {
            "under the same conditions"
        } else {
            "without conditions"
        };
        let why = if mutual {
            format!(
                "it grants the same as {}, {conditions}",
                cx.statement_label(other)
            )
        } else {
            let verb = match covering.effect {
                Effect::Allow => "allows",
                Effect::Deny => "denies",
            };
            format!(
                "{} already {verb} every action on every resource it names, {conditions}",
                cx.statement_label(other)
            )
        };
        out.push(cx.statement_finding(
            &META,
            index,
            format!("{} is redundant: {why}", cx.statement_label(index)),
        ));
    }
}

/// Every entry of every condition block as `operator|key|values`, values sorted and without
/// repeats, the entries sorted: equal signatures are the same conditions.
fn condition_signature(statement: &Statement) -> Vec<String> {
    let mut entries: Vec<String> = super::condition_entries(statement)
        .map(|(operator, entry)| {
            let mut values: Vec<_> = entry.values.iter().map(|value| value.as_text()).collect();
            values.sort();
            values.dedup();
            // `qualifier|base|if_exists|key|values` written into one string (this runs for
            // every condition entry of the statements compared).
            let mut text = String::with_capacity(
                32 + entry.key.len() + values.iter().map(|value| value.len() + 1).sum::<usize>(),
            );
            let _ = write!(
                text,
                "{:?}|{}|{}|",
                operator.qualifier, operator.base, operator.if_exists
            );
            text.extend(entry.key.chars().map(|c| c.to_ascii_lowercase()));
            text.push('|');
            for (at, value) in values.iter().enumerate() {
                if at > 0 {
                    text.push('\u{0}');
                }
                text.push_str(value);
            }
            text
        })
        .collect();
    entries.sort();
    entries.dedup();
    entries
}

/// The action and resource entries of one statement, prepared for coverage questions.
struct Sides<'a> {
    actions: Entries<'a>,
    resources: Option<Entries<'a>>,
    /// The services its action entries name.
    services: ServiceMask,
}

impl<'a> Sides<'a> {
    fn of(statement: &'a Statement) -> Sides<'a> {
        let actions = match &statement.action {
            ActionClause::Action(values) | ActionClause::NotAction(values) => &values.items,
        };
        let resources = match &statement.resource {
            Some(ResourceClause::Resource(values) | ResourceClause::NotResource(values)) => {
                Some(Entries::of(&values.items, Case::Sensitive))
            }
            None => None,
        };
        Sides {
            actions: Entries::of(actions, Case::Insensitive),
            resources,
            services: ServiceMask::of(actions),
        }
    }
}

/// The services a list of action entries names, one bit per service of a 64-bit mask (an
/// entry's text before its first `:`, lowercased, hashed to a bit), and whether some entry is
/// a wildcard before its first `:` (`*`, `s3*`, `*:Get*`), which may cover entries of any
/// service. An entry is covered only by an equal entry or by a wildcard whose literal head it
/// starts with, so by a list whose mask has its service's bit unless that list may cover any
/// service: two integers reject most pairs of statements before any text is compared (long
/// policies compare every statement of a group with every other).
#[derive(Clone, Copy)]
struct ServiceMask {
    bits: u64,
    any: bool,
}

impl ServiceMask {
    fn of(entries: &[String]) -> ServiceMask {
        let mut mask = ServiceMask {
            bits: 0,
            any: false,
        };
        for entry in entries {
            // One pass over the service part (a `split_once` per entry cost more than the rest).
            let bytes = entry.as_bytes();
            let end = bytes
                .iter()
                .position(|byte| *byte == b':')
                .unwrap_or(bytes.len());
            let service = entry.get(..end).unwrap_or_default();
            if service.bytes().any(|byte| byte == b'*' || byte == b'?') {
                mask.any = true;
            }
            // Case-insensitive matching lowercases other text as Unicode (`K`, the Kelvin
            // sign, then matches `k`): the bit is that of the lowercased text.
            let bit = if service.is_ascii() {
                hash(service, Case::Insensitive)
            } else {
                hash(&service.to_lowercase(), Case::Sensitive)
            } % 64;
            mask.bits |= 1 << bit;
        }
        mask
    }

    /// Can these entries cover every entry of `other`, as far as services tell?
    fn may_cover(self, other: ServiceMask) -> bool {
        self.any || other.bits & !self.bits == 0
    }
}

/// One element's entries as patterns that may cover others: whether one is `*`, the wildcards
/// that are judged (no `$`) with their literal heads, and, for long lists, the entries sorted
/// as compared (ASCII case folded for actions) to look literal entries up without a set.
struct Entries<'a> {
    items: &'a [String],
    case: Case,
    /// Whether an entry is `*`, and the judged wildcards as `(head, pattern)` (`s3:Get` of
    /// `s3:Get*`), made on first use: most statements are never asked to cover another.
    patterns: std::cell::OnceCell<(bool, Vec<(&'a str, &'a str)>)>,
    /// `items` sorted by [`compare`], made on first use (only lists longer than [`FEW`] are
    /// searched, and most comparisons end on the first entry).
    sorted: std::cell::OnceCell<Vec<&'a str>>,
}

/// Up to this many entries a list is looked through; longer ones are searched sorted.
const FEW: usize = 16;

impl<'a> Entries<'a> {
    fn of(items: &'a [String], case: Case) -> Entries<'a> {
        Entries {
            items,
            case,
            patterns: std::cell::OnceCell::new(),
            sorted: std::cell::OnceCell::new(),
        }
    }

    fn patterns(&self) -> &(bool, Vec<(&'a str, &'a str)>) {
        self.patterns.get_or_init(|| {
            let judged = self
                .items
                .iter()
                .filter(|pattern| is_judged(pattern))
                .map(|pattern| {
                    let head = &pattern[..pattern.find(['*', '?']).unwrap_or(pattern.len())];
                    (head, pattern.as_str())
                })
                .collect();
            (self.items.iter().any(|pattern| pattern == "*"), judged)
        })
    }

    /// Some entry is `*`.
    fn star(&self) -> bool {
        self.patterns().0
    }

    /// The judged wildcards with their literal heads.
    fn judged(&self) -> &[(&'a str, &'a str)] {
        &self.patterns().1
    }

    /// An entry of the list equals `entry` (ignoring ASCII case for actions).
    fn contains(&self, entry: &str) -> bool {
        let case = self.case;
        self.sorted
            .get_or_init(|| {
                let mut sorted: Vec<&str> = self.items.iter().map(String::as_str).collect();
                sorted.sort_unstable_by(|a, b| compare(a, b, case));
                sorted
            })
            .binary_search_by(|item| compare(item, entry, case))
            .is_ok()
    }
}

/// A wildcard pattern coverage is judged with: a `*` or `?`, and no `$` (variables, escapes).
fn is_judged(pattern: &str) -> bool {
    // Without `$` there is no escape, so a wildcard byte is a wildcard; `has_wildcard` tells
    // most entries (no wildcard at all) eight bytes at a time.
    has_wildcard(pattern) && !pattern.contains('$')
}

/// Orders as comparing the entries with ASCII letters lowercased (actions) or as written.
fn compare(a: &str, b: &str, case: Case) -> std::cmp::Ordering {
    match case {
        Case::Insensitive => {
            for (x, y) in a.bytes().zip(b.bytes()) {
                let (x, y) = (x.to_ascii_lowercase(), y.to_ascii_lowercase());
                if x != y {
                    return x.cmp(&y);
                }
            }
            a.len().cmp(&b.len())
        }
        Case::Sensitive => a.cmp(b),
    }
}

fn equal(a: &str, b: &str, case: Case) -> bool {
    match case {
        Case::Insensitive => a.eq_ignore_ascii_case(b),
        Case::Sensitive => a == b,
    }
}

/// Does `b` apply to every action and resource `a` applies to (conditions and principals
/// compared by the caller)?
fn statement_covered_by(
    a: &Statement,
    a_sides: &Sides<'_>,
    b: &Statement,
    b_sides: &Sides<'_>,
) -> bool {
    let services = match (&a.action, &b.action) {
        (ActionClause::Action(_), ActionClause::Action(_)) => {
            b_sides.services.may_cover(a_sides.services)
        }
        (ActionClause::NotAction(_), ActionClause::NotAction(_)) => {
            a_sides.services.may_cover(b_sides.services)
        }
        _ => true,
    };
    if !services {
        return false;
    }
    let resources = match (
        &a.resource,
        &b.resource,
        &a_sides.resources,
        &b_sides.resources,
    ) {
        (None, None, _, _) => true,
        (
            Some(ResourceClause::Resource(_)),
            Some(ResourceClause::Resource(_)),
            Some(a_entries),
            Some(b_entries),
        ) => all_covered(a_entries.items, b_entries),
        // Everything but `b`'s exclusions covers everything but `a`'s when `a` excludes
        // at least what `b` excludes.
        (
            Some(ResourceClause::NotResource(_)),
            Some(ResourceClause::NotResource(_)),
            Some(a_entries),
            Some(b_entries),
        ) => all_covered(b_entries.items, a_entries),
        (Some(_), Some(ResourceClause::Resource(_)), _, Some(b_entries)) => b_entries.star(),
        _ => false,
    };
    if !resources {
        return false;
    }
    match (&a.action, &b.action) {
        (ActionClause::Action(_), ActionClause::Action(_)) => {
            all_covered(a_sides.actions.items, &b_sides.actions)
        }
        (ActionClause::NotAction(_), ActionClause::NotAction(_)) => {
            all_covered(b_sides.actions.items, &a_sides.actions)
        }
        (ActionClause::NotAction(_), ActionClause::Action(b)) => b
            .items
            .iter()
            .any(|action| action == "*" || action == "*:*"),
        _ => false,
    }
}

/// Is every entry of `entries` matched by some pattern of `by` (see [`entry_covered_by`])?
/// Linear in `entries` times the wildcards of `by`: literal entries of a long `by` are looked
/// up in its sorted entries.
fn all_covered(entries: &[String], by: &Entries<'_>) -> bool {
    if by.star() {
        return true;
    }
    let case = by.case;
    let judged: &[(&str, &str)] = by.judged();
    let covered = |entry: &String| {
        by.items.iter().any(|pattern| equal(entry, pattern, case))
            || judged.iter().any(|(head, pattern)| {
                head_may_match(entry, head, pattern, case) && entry_covered_by(entry, pattern, case)
            })
    };
    // Most pairs of statements fail on their first entry: judge it before anything else.
    if !entries.first().is_none_or(covered) {
        return false;
    }
    // Few entries to look through (most statements).
    if by.items.len() <= FEW {
        return entries.iter().skip(1).all(covered);
    }
    entries.iter().all(|entry| {
        by.contains(entry)
            || judged.iter().any(|(head, pattern)| {
                entry
                    .get(..head.len())
                    .is_some_and(|start| equal(start, head, case))
                    && entry_covered_by(entry, pattern, case)
            })
    })
}

/// A cheap necessary condition for `pattern` (judged, so without `$`) to match `entry`: the
/// entry starts with the pattern's literal head. Case-insensitive matching folds ASCII only
/// when both are ASCII (other text is lowercased as Unicode first), so the check is only
/// made then.
fn head_may_match(entry: &str, head: &str, pattern: &str, case: Case) -> bool {
    match case {
        Case::Sensitive => entry.as_bytes().starts_with(head.as_bytes()),
        Case::Insensitive => {
            !(entry.is_ascii() && pattern.is_ascii())
                || entry
                    .as_bytes()
                    .get(..head.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(head.as_bytes()))
        }
    }
}

/// Is every text `entry` matches also matched by `pattern` (a wildcard without policy
/// variables)? A literal entry: `pattern` matches it. A wildcard entry: `pattern` has no `?`
/// and matches the entry's own text — each literal character of `pattern` then meets a literal
/// character of the entry, and each `*` of the entry falls inside a `*` of `pattern`, so every
/// expansion of the entry is matched too. An entry with `$` (a variable or an escape) is not
/// judged.
fn entry_covered_by(entry: &str, pattern: &str, case: Case) -> bool {
    if entry.contains('$') {
        return false;
    }
    if entry.contains(['*', '?']) && pattern.contains('?') {
        return false;
    }
    matches(pattern, entry, case)
}

fn why(entry: &str, by: &str) -> String {
    if entry.eq_ignore_ascii_case(by) {
        "(repeated)".to_string()
    } else {
        format!("(covered by `{by}`)")
    }
}

/// For each entry, the first earlier entry equal to it (ignoring ASCII case for actions).
/// Short lists are compared pairwise; long ones (statements of `ReadOnlyAccess` list over a
/// thousand actions) sorted once, nothing allocated per entry.
fn first_equal(entries: &[String], case: Case) -> Vec<Option<usize>> {
    if entries.len() <= FEW {
        return entries
            .iter()
            .enumerate()
            .map(|(at, entry)| {
                entries[..at]
                    .iter()
                    .position(|earlier| equal(earlier, entry, case))
            })
            .collect();
    }
    // Entries by a hash of their compared form, then compared only within a run of one hash:
    // integers sorted, no string sorted.
    let mut hashed: Vec<(u64, usize)> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| (hash(entry, case), at))
        .collect();
    hashed.sort_unstable();
    let mut first = vec![None; entries.len()];
    for run in hashed.chunk_by(|a, b| a.0 == b.0) {
        if run.len() < 2 {
            continue;
        }
        // In written order within the run: the earliest equal entry is found first.
        for (position, (_, at)) in run.iter().enumerate() {
            first[*at] = run[..position]
                .iter()
                .map(|(_, earlier)| *earlier)
                .find(|earlier| {
                    first[*earlier].is_none() && equal(&entries[*earlier], &entries[*at], case)
                });
        }
    }
    first
}

/// A multiply-rotate hash (as rustc's FxHash) over the entry as compared (ASCII letters
/// lowercased for actions), eight bytes at a time rather than FNV's one: every entry of the
/// long lists is hashed.
fn hash(entry: &str, case: Case) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut hash: u64 = 0;
    let mut add = |bytes: &[u8]| {
        let mut word = [0; 8];
        for (into, byte) in word.iter_mut().zip(bytes) {
            *into = match case {
                Case::Insensitive => byte.to_ascii_lowercase(),
                Case::Sensitive => *byte,
            };
        }
        hash = (hash.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
    };
    let mut chunks = entry.as_bytes().chunks_exact(8);
    for chunk in &mut chunks {
        add(chunk);
    }
    // Always a last word, so that `ab` and `ab\0` differ by the length mixed in.
    let rest = chunks.remainder();
    add(rest);
    (hash ^ entry.len() as u64).wrapping_mul(SEED)
}

/// Entries that repeat an earlier one, or that another entry's wildcard matches, with the
/// entry that covers them. Only literal entries are judged covered by a wildcard (whether one
/// wildcard covers another is not asked); entries with policy variables cover nothing.
fn covered(entries: &[String], case: Case) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    if entries.len() < 2 {
        return found;
    }
    // Each wildcard with its literal head (`s3:Get` of `s3:Get*`), compared before matching.
    let wildcards: Vec<(&str, &str)> = entries
        .iter()
        .filter(|entry| has_wildcard(entry) && !warden_policy::variables::has_opening(entry))
        .map(|entry| {
            let head = &entry[..entry.find(['*', '?']).unwrap_or(entry.len())];
            (head, entry.as_str())
        })
        .collect();
    // The wildcards by service: a head with a `:` (`s3:Get` of `s3:Get*`) only fits entries of
    // that service (the entry's first `:` is the head's), so a literal entry is tried against
    // the wildcards of its service and those whose head has no `:` (`*Get*`, `s3*`), not all
    // of them (statements of `ReadOnlyAccess` hold over a thousand literals and 200 wildcards).
    let mut keyed: Vec<(&str, usize)> = Vec::new();
    let mut general: Vec<usize> = Vec::new();
    for (at, (head, _)) in wildcards.iter().enumerate() {
        match head.split_once(':') {
            Some((service, _)) => keyed.push((service, at)),
            None => general.push(at),
        }
    }
    // Stable: within a service, the wildcards stay in written order.
    keyed.sort_by(|(a, _), (b, _)| compare(a, b, case));
    let earlier = first_equal(entries, case);
    let mut last_run: Option<(&str, (usize, usize))> = None;
    for (entry, earlier) in entries.iter().zip(earlier) {
        if let Some(earlier) = earlier {
            found.push((entry.as_str(), entries[earlier].as_str()));
            continue;
        }
        if wildcards.is_empty()
            || has_wildcard(entry)
            || warden_policy::variables::has_opening(entry)
        {
            continue;
        }
        let fits = |at: &usize| {
            let (head, other) = wildcards[*at];
            entry
                .get(..head.len())
                .is_some_and(|start| equal(start, head, case))
                && matches(other, entry, case)
        };
        // The first fitting wildcard in written order: the earlier of the first of its
        // service and the first of the others. Lists run service by service, so the run of
        // the previous entry's service is reused instead of searched for again.
        let of_service = entry.split_once(':').and_then(|(service, _)| {
            let run = match last_run {
                Some((last, run)) if equal(last, service, case) => run,
                _ => {
                    let start =
                        keyed.partition_point(|(key, _)| compare(key, service, case).is_lt());
                    let len = keyed[start..]
                        .iter()
                        .take_while(|(key, _)| compare(key, service, case).is_eq())
                        .count();
                    let run = (start, start + len);
                    last_run = Some((service, run));
                    run
                }
            };
            keyed[run.0..run.1].iter().map(|(_, at)| *at).find(fits)
        });
        let other = general.iter().copied().find(fits);
        let first = match (of_service, other) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(at) = first {
            found.push((entry.as_str(), wildcards[at].1));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_string()).collect()
    }

    #[test]
    fn repeats_and_literals_under_wildcards() {
        let actions = strings(&["s3:Get*", "s3:GetObject", "S3:GET*", "s3:PutObject"]);
        assert_eq!(
            covered(&actions, Case::Insensitive),
            [("s3:GetObject", "s3:Get*"), ("S3:GET*", "s3:Get*")]
        );
        let resources = strings(&[
            "arn:aws:s3:::data/*",
            "arn:aws:s3:::Data/x",
            "arn:aws:s3:::data/x",
        ]);
        assert_eq!(
            covered(&resources, Case::Sensitive),
            [("arn:aws:s3:::data/x", "arn:aws:s3:::data/*")]
        );
        let variables = strings(&[
            "arn:aws:s3:::home/${aws:username}/*",
            "arn:aws:s3:::home/x/y",
        ]);
        assert!(covered(&variables, Case::Sensitive).is_empty());
    }

    #[test]
    fn wildcard_coverage_is_only_claimed_when_proven() {
        let ci = Case::Insensitive;
        assert!(entry_covered_by("s3:GetObject", "s3:Get*", ci));
        assert!(entry_covered_by("s3:GetObject*", "s3:Get*", ci));
        assert!(entry_covered_by("s3:*Object", "s3:*", ci));
        assert!(!entry_covered_by("s3:Get*", "s3:GetObject*", ci));
        // `?` is exactly one character; `*` in the entry may be many.
        assert!(!entry_covered_by("s3:a*c", "s3:a?c", ci));
        assert!(entry_covered_by("s3:abc", "s3:a?c", ci));
        // Variables are not judged.
        let cs = Case::Sensitive;
        assert!(!entry_covered_by(
            "arn:aws:s3:::home/${aws:username}",
            "arn:aws:s3:::home/*",
            cs
        ));
        let star = strings(&["*"]);
        assert!(all_covered(
            &strings(&["arn:aws:s3:::home/${aws:username}"]),
            &Entries::of(&star, cs)
        ));
        let actions = strings(&["s3:Put*", "s3:getobject"]);
        assert!(all_covered(
            &strings(&["S3:GetObject", "s3:put*"]),
            &Entries::of(&actions, ci)
        ));
        let data = strings(&["arn:aws:s3:::data/*"]);
        assert!(!all_covered(
            &strings(&["arn:aws:s3:::Data/x"]),
            &Entries::of(&data, cs)
        ));
    }

    /// The service masks reject a pair of lists only when no entry-by-entry coverage exists:
    /// every pair of these lists that `all_covered` finds covered passes the masks, among them
    /// wildcards before the first `:` and a Kelvin sign that matches `k` case-insensitively.
    #[test]
    fn service_masks_never_reject_a_covering_list() {
        let lists: Vec<Vec<String>> = [
            &["*"][..],
            &["s3*"],
            &["*:Get*"],
            &["s3:*"],
            &["S3:GetObject"],
            &["s3:getobject", "kms:Decrypt"],
            &["kms:*"],
            &["\u{212A}ms:Decrypt"],
            &["s3:Get*", "KMS:decrypt"],
            &["${aws:PrincipalTag/x}:Get"],
            &["s3"],
            &["ec2:Describe*", "s3:List*"],
        ]
        .iter()
        .map(|list| strings(list))
        .collect();
        let mut rejected = 0;
        for a in &lists {
            for b in &lists {
                let by = Entries::of(b, Case::Insensitive);
                let may = ServiceMask::of(b).may_cover(ServiceMask::of(a));
                if all_covered(a, &by) {
                    assert!(may, "{a:?} is covered by {b:?} but the masks reject it");
                }
                rejected += usize::from(!may);
            }
        }
        assert!(
            all_covered(
                &strings(&["\u{212A}ms:Decrypt"]),
                &Entries::of(&strings(&["kms:*"]), Case::Insensitive)
            ),
            "the Kelvin sign case is a real coverage"
        );
        assert!(
            rejected > 60,
            "{rejected} pairs rejected: the masks must reject something"
        );
    }
}
