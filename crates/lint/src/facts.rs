//! What the rules ask the catalog: resolving action patterns to actions (wildcards expanded),
//! with the unknown cases told apart. A pattern is resolved once per run: the same `s3:Get*`
//! appears in hundreds of documents, so resolutions are shared through a cache keyed by the
//! pattern as written.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

use warden_catalog::resource::{Reading, could_match};
use warden_catalog::{ActionId, Catalog, LookupError};

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
    /// statements.
    arn_fits: RwLock<ArnFits>,
}

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
            arn_fits: RwLock::new(HashMap::default()),
        }
    }

    /// Makes room for about `patterns` resolutions, so the cache is not grown (and every
    /// pattern in it hashed again) while the rules run.
    pub fn reserve(&self, patterns: usize) {
        if let Ok(mut resolved) = self.resolved.write() {
            resolved.reserve(patterns);
        }
    }

    /// [`could_match`] of a policy resource and an ARN format of this catalog in the
    /// permissive reading, worked out once per run for each pair.
    pub fn arn_could_match(&self, resource: &str, format: &'a str) -> bool {
        let address = format.as_ptr() as usize;
        if let Ok(fits) = self.arn_fits.read()
            && let Some(known) = fits.get(resource)
            && let Ok(at) = known.binary_search_by_key(&address, |(known, _)| *known)
        {
            return known[at].1;
        }
        let fits = could_match(resource, format, Reading::Permissive);
        if let Ok(mut known) = self.arn_fits.write() {
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
        let Some((service, name)) = pattern.split_once(':') else {
            return Resolution::Malformed;
        };
        if service.is_empty() || name.is_empty() {
            return Resolution::Malformed;
        }
        let wildcard = name.contains(['*', '?']);
        let mut ids = Vec::new();
        match self.catalog.expand_ids(pattern, &mut ids) {
            Ok(()) if ids.is_empty() && wildcard => Resolution::MatchesNothing,
            Ok(()) if ids.is_empty() => Resolution::UnknownAction,
            Ok(()) => {
                ids.sort_unstable();
                ids.dedup();
                Resolution::Actions(ids.into())
            }
            Err(LookupError::UnknownService { .. }) => Resolution::UnknownService,
            Err(LookupError::Malformed { .. }) => Resolution::Malformed,
            Err(LookupError::UnknownAction { .. }) if wildcard => Resolution::MatchesNothing,
            Err(LookupError::UnknownAction { .. }) => Resolution::UnknownAction,
        }
    }
}
