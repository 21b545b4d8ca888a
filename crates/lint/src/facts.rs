//! What the rules ask the catalog: resolving action patterns to actions (wildcards expanded),
//! with the unknown cases told apart. A pattern is resolved once per run: the same `s3:Get*`
//! appears in hundreds of documents. The engine resolves every pattern of a subject before the
//! rules run ([`Facts::resolve_all`], in parallel and without locks: the patterns are split
//! into shards by hash, each shard deduplicated and resolved by one task); a document linted
//! on its own resolves through a cache keyed by the pattern as written.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, RwLock};

use rayon::prelude::*;
use warden_catalog::resource::{Reading, could_match};
use warden_catalog::{ActionId, Catalog, LookupError};
use warden_policy::PolicyDocument;

/// What an action pattern (`s3:GetObject`, `s3:Get*`, `*`) names.
#[derive(Debug, Clone)]
pub enum Resolution {
    /// At least one known action, as catalog ids sorted and without repeats.
    Actions(Arc<[ActionId]>),
    /// `*` (or `*:*`): every action of every service; never expanded.
    Everything,
    /// The service prefix is not in the catalog.
    UnknownService,
    /// The service is known but has no action of that name.
    UnknownAction,
    /// A wildcard pattern of a known service that matches no action.
    MatchesNothing,
    /// Not `service:action` at all.
    Malformed,
}

/// Catalog access for the rules.
pub struct Facts<'a> {
    pub catalog: &'a Catalog,
    /// Resolutions of the patterns seen so far in this run.
    resolved: RwLock<HashMap<Box<str>, Resolution, BuildHasherDefault<Fx>>>,
    /// Whether a policy resource could match a catalog ARN format (permissive reading), by
    /// resource text, then by the format's address in the catalog (sorted): the same
    /// `arn:aws:ec2:*:*:instance/*` is tried against the same formats in hundreds of
    /// statements. In shards by the resource's hash, so that the cores seldom wait on one
    /// lock.
    arn_fits: Vec<RwLock<ArnFits>>,
}

/// Shards of [`Facts::arn_could_match`]'s answers.
const ARN_SHARDS: usize = 16;

/// Answers of [`Facts::arn_could_match`]: per resource, `(format address, fits)` sorted.
type ArnFits = HashMap<Box<str>, Vec<(usize, bool)>, BuildHasherDefault<Fx>>;

/// A multiply-rotate hash over eight bytes at a time (as rustc's FxHash): patterns are short
/// and not chosen by an attacker who gains from collisions (a policy's author only slows their
/// own lint), and SipHash, then byte-at-a-time FNV, were a visible part of a lookup.
#[derive(Default)]
struct Fx(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, byte: u8) {
        self.add(u64::from(byte));
    }
}

impl<'a> Facts<'a> {
    pub fn new(catalog: &'a Catalog) -> Facts<'a> {
        Facts {
            catalog,
            resolved: RwLock::new(HashMap::default()),
            arn_fits: (0..ARN_SHARDS)
                .map(|_| RwLock::new(HashMap::default()))
                .collect(),
        }
    }

    /// [`could_match`] of a policy resource and an ARN format of this catalog in the
    /// permissive reading, worked out once per run for each pair.
    pub fn arn_could_match(&self, resource: &str, format: &'a str) -> bool {
        let address = format.as_ptr() as usize;
        let hash = BuildHasherDefault::<Fx>::default().hash_one(resource);
        let Some(shard) = self.arn_fits.get((hash >> 60) as usize % ARN_SHARDS) else {
            return could_match(resource, format, Reading::Permissive);
        };
        if let Ok(fits) = shard.read()
            && let Some(known) = fits.get(resource)
            && let Ok(at) = known.binary_search_by_key(&address, |(known, _)| *known)
        {
            return known[at].1;
        }
        let fits = could_match(resource, format, Reading::Permissive);
        if let Ok(mut known) = shard.write() {
            let known = known.entry(resource.into()).or_default();
            if let Err(at) = known.binary_search_by_key(&address, |(known, _)| *known) {
                known.insert(at, (address, fits));
            }
        }
        fits
    }

    /// Resolves one pattern as written in `Action`/`NotAction`.
    pub fn resolve(&self, pattern: &str) -> Resolution {
        if pattern == "*" || pattern == "*:*" {
            return Resolution::Everything;
        }
        if let Ok(resolved) = self.resolved.read()
            && let Some(resolution) = resolved.get(pattern)
        {
            return resolution.clone();
        }
        let resolution = self.resolve_uncached(pattern);
        if let Ok(mut resolved) = self.resolved.write() {
            resolved.insert(pattern.into(), resolution.clone());
        }
        resolution
    }

    fn resolve_uncached(&self, pattern: &str) -> Resolution {
        self.resolve_with(pattern, &mut Vec::new())
    }

    /// Resolves `pattern` without any cache, `ids` being scratch space (left empty).
    fn resolve_with(&self, pattern: &str, ids: &mut Vec<ActionId>) -> Resolution {
        if pattern == "*" || pattern == "*:*" {
            return Resolution::Everything;
        }
        let Some((service, name)) = pattern.split_once(':') else {
            return Resolution::Malformed;
        };
        if service.is_empty() || name.is_empty() {
            return Resolution::Malformed;
        }
        let wildcard = name.contains(['*', '?']);
        ids.clear();
        let expanded = self.catalog.expand_ids(pattern, ids);
        match expanded {
            Ok(()) if ids.is_empty() && wildcard => Resolution::MatchesNothing,
            Ok(()) if ids.is_empty() => Resolution::UnknownAction,
            Ok(()) => {
                ids.sort_unstable();
                ids.dedup();
                let found = Resolution::Actions(Arc::from(ids.as_slice()));
                ids.clear();
                found
            }
            Err(LookupError::UnknownService { .. }) => Resolution::UnknownService,
            Err(LookupError::Malformed { .. }) => Resolution::Malformed,
            Err(LookupError::UnknownAction { .. }) if wildcard => Resolution::MatchesNothing,
            Err(LookupError::UnknownAction { .. }) => Resolution::UnknownAction,
        }
    }
}

/// Shards of [`Facts::resolve_all`]: enough for both cores to stay busy on uneven shards,
/// few enough that each shard's map is worth building.
const SHARDS: usize = 64;

/// What a shard of [`Facts::resolve_all`] gives back: its distinct patterns' resolutions, and
/// per occurrence `(occurrence, index among them)`.
type Shard = (Vec<Resolution>, Vec<(u32, u32)>);

/// A pattern as a map key: its hash worked out once, compared by text.
#[derive(Clone, Copy)]
struct Key<'t> {
    hash: u64,
    text: &'t str,
}

impl PartialEq for Key<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.hash == other.hash && self.text == other.text
    }
}

impl Eq for Key<'_> {}

impl Hash for Key<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Hands a [`Key`]'s hash through unchanged.
#[derive(Default)]
struct Passed(u64);

impl Hasher for Passed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 << 8) | u64::from(*byte);
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = word;
    }
}

/// The resolution of every `Action`/`NotAction` pattern of some documents, in written order:
/// each distinct pattern resolved once, each occurrence an index into the distinct ones.
pub(crate) struct PatternTable {
    resolutions: Vec<Resolution>,
    /// Per occurrence (documents, statements and patterns in order), its resolution.
    ids: Vec<u32>,
    /// Per statement (documents and statements in order), its first occurrence, and the end
    /// of the last.
    statement_starts: Vec<usize>,
    /// Per document, its first statement.
    document_starts: Vec<usize>,
}

impl PatternTable {
    /// The patterns of document `number` (as given to [`Facts::resolve_all`]), per statement.
    pub(crate) fn document(&self, number: usize) -> DocumentPatterns<'_> {
        let statements = match (
            self.document_starts.get(number),
            self.document_starts.get(number + 1),
        ) {
            // One bound more than statements: the end of the document's last.
            (Some(first), Some(next)) => self.statement_starts.get(*first..=*next),
            _ => None,
        };
        DocumentPatterns {
            table: self,
            bounds: statements.unwrap_or_default(),
        }
    }
}

/// One document's share of a [`PatternTable`]: borrowed, so that no resolution is copied
/// (each copy of an `Arc` is an atomic count that the cores contend for on common patterns).
pub(crate) struct DocumentPatterns<'t> {
    table: &'t PatternTable,
    /// Per statement its first occurrence, and the end of the last.
    bounds: &'t [usize],
}

impl<'t> DocumentPatterns<'t> {
    /// What each pattern of statement `index` resolves to, in written order.
    pub(crate) fn statement(&self, index: usize) -> impl Iterator<Item = &'t Resolution> + use<'t> {
        let table = self.table;
        let ids = match (self.bounds.get(index), self.bounds.get(index + 1)) {
            (Some(start), Some(end)) => table.ids.get(*start..*end).unwrap_or_default(),
            _ => &[],
        };
        ids.iter()
            .filter_map(move |id| table.resolutions.get(*id as usize))
    }
}

impl Facts<'_> {
    /// Resolves every pattern of `documents` at once, on every core, without locks: each
    /// occurrence is hashed and sent to a shard by its hash; each shard, a task of its own,
    /// keeps its distinct patterns in a small map and resolves each once.
    pub(crate) fn resolve_all(&self, documents: &[&PolicyDocument]) -> PatternTable {
        let hasher = BuildHasherDefault::<Fx>::default();
        let mut document_starts = Vec::with_capacity(documents.len() + 1);
        let mut statement_starts = Vec::new();
        let mut total = 0;
        for document in documents {
            document_starts.push(statement_starts.len());
            for statement in &document.statements {
                statement_starts.push(total);
                total += crate::rules::action_values(statement).len();
            }
        }
        document_starts.push(statement_starts.len());
        statement_starts.push(total);
        // Every occurrence's text in order, and per shard its `(hash, occurrence)` pairs.
        let texts: Vec<&str> = documents
            .iter()
            .flat_map(|document| &document.statements)
            .flat_map(crate::rules::action_values)
            .map(String::as_str)
            .collect();
        let hashes: Vec<u64> = texts
            .par_iter()
            .with_min_len(4096)
            .map(|text| hasher.hash_one(text))
            .collect();
        // The occurrences grouped by shard in one list (a counting sort: per shard, its
        // occurrences in order), each shard a range of it.
        let shard_of = |hash: u64| (hash >> 58) as usize % SHARDS;
        let mut bounds = [0usize; SHARDS + 1];
        for hash in &hashes {
            bounds[shard_of(*hash) + 1] += 1;
        }
        for shard in 1..=SHARDS {
            bounds[shard] += bounds[shard - 1];
        }
        let mut next = bounds;
        let mut grouped = vec![(0u64, 0u32); hashes.len()];
        for (at, hash) in hashes.iter().enumerate() {
            let slot = &mut next[shard_of(*hash)];
            if let (Some(into), Ok(at)) = (grouped.get_mut(*slot), u32::try_from(at)) {
                *into = (*hash, at);
            }
            *slot += 1;
        }
        let shards: Vec<&[(u64, u32)]> = bounds
            .windows(2)
            .map(|range| grouped.get(range[0]..range[1]).unwrap_or_default())
            .collect();
        // Per shard: its distinct patterns resolved, and each occurrence's local index.
        let resolved: Vec<Shard> = shards
            .par_iter()
            .with_max_len(1)
            .map(|shard| {
                let mut distinct: HashMap<Key<'_>, u32, BuildHasherDefault<Passed>> =
                    HashMap::with_capacity_and_hasher(
                        shard.len() / 2,
                        BuildHasherDefault::default(),
                    );
                let mut resolutions = Vec::new();
                let mut local = Vec::with_capacity(shard.len());
                let mut scratch = Vec::new();
                for (hash, at) in shard.iter() {
                    let text = texts.get(*at as usize).copied().unwrap_or_default();
                    let key = Key { hash: *hash, text };
                    let index = *distinct.entry(key).or_insert_with(|| {
                        resolutions.push(self.resolve_with(text, &mut scratch));
                        u32::try_from(resolutions.len() - 1).unwrap_or(u32::MAX)
                    });
                    local.push((*at, index));
                }
                (resolutions, local)
            })
            .collect();
        let mut ids = vec![0; total];
        let mut resolutions = Vec::with_capacity(resolved.iter().map(|(r, _)| r.len()).sum());
        for (shard, local) in resolved {
            let base = u32::try_from(resolutions.len()).unwrap_or(u32::MAX);
            resolutions.extend(shard);
            for (at, index) in local {
                if let Some(slot) = ids.get_mut(at as usize) {
                    *slot = base + index;
                }
            }
        }
        PatternTable {
            resolutions,
            ids,
            statement_starts,
            document_starts,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Location, PolicyKind, PolicySubject};
    use serde_json::json;

    /// Every occurrence gets what resolving it alone gives, in written order, across more
    /// documents than one task of the shard split takes, with the patterns that are not
    /// looked up in the catalog (`*`, malformed) and names that differ only in case.
    #[test]
    fn resolving_all_at_once_equals_resolving_one_by_one() {
        let catalog = Catalog::embedded();
        let patterns = [
            "s3:GetObject",
            "S3:getobject",
            "s3:Get*",
            "*",
            "*:*",
            "ec2:Describe*",
            "iam:PassRole",
            "nosuchservice:Get",
            "s3:NoSuchAction",
            "s3:NoSuch*",
            "s3",
            ":x",
            "*:Get*",
            "s?:List*",
            "sts:AssumeRole",
        ];
        let documents: Vec<PolicySubject> = (0..400)
            .map(|number| {
                let statements: Vec<_> = (0..3)
                    .map(|statement| {
                        let actions: Vec<&str> = (0..4 + (number + statement) % 9)
                            .map(|at| {
                                patterns[(number * 7 + statement * 3 + at * 5) % patterns.len()]
                            })
                            .collect();
                        let clause = if (number + statement) % 5 == 0 {
                            "NotAction"
                        } else {
                            "Action"
                        };
                        json!({"Effect": "Allow", clause: actions, "Resource": "*"})
                    })
                    .collect();
                PolicySubject::from_value(
                    format!("p{number}"),
                    PolicyKind::Identity,
                    Location::file("p.json"),
                    &json!({"Version": "2012-10-17", "Statement": statements}),
                )
                .unwrap()
            })
            .collect();
        let total: usize = documents
            .iter()
            .flat_map(|policy| &policy.document.statements)
            .map(|statement| crate::rules::action_values(statement).len())
            .sum();
        assert!(total > 4096, "{total} patterns: more than one task's share");
        let one_by_one = Facts::new(catalog);
        let facts = Facts::new(catalog);
        let table = facts.resolve_all(
            &documents
                .iter()
                .map(|policy| &policy.document)
                .collect::<Vec<_>>(),
        );
        let mut kinds = std::collections::BTreeSet::new();
        for (number, policy) in documents.iter().enumerate() {
            let resolved = table.document(number);
            for (index, statement) in policy.document.statements.iter().enumerate() {
                let resolutions: Vec<&Resolution> = resolved.statement(index).collect();
                let values = crate::rules::action_values(statement);
                assert_eq!(values.len(), resolutions.len());
                for (pattern, resolution) in values.iter().zip(resolutions) {
                    let alone = format!("{:?}", one_by_one.resolve(pattern));
                    assert_eq!(format!("{resolution:?}"), alone, "`{pattern}`");
                    kinds.insert(alone.split('(').next().unwrap_or_default().to_string());
                }
            }
        }
        // Every kind of answer was asked for.
        assert_eq!(kinds.len(), 6, "{kinds:?}");
    }
}
