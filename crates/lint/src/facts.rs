//! What the rules ask the catalog: resolving action patterns to actions (wildcards expanded),
//! with the unknown cases told apart. A pattern is resolved once per run: the same `s3:Get*`
//! appears in hundreds of documents, so resolutions are shared through a cache keyed by the
//! pattern as written.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, RwLock};

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
    resolved: RwLock<HashMap<Box<str>, Resolution, BuildHasherDefault<Fnv>>>,
}

/// FNV-1a: patterns are short and not chosen by an attacker who gains from collisions (a
/// policy's author only slows their own lint), and SipHash was a visible part of a lookup.
#[derive(Default)]
struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

impl<'a> Facts<'a> {
    pub fn new(catalog: &'a Catalog) -> Facts<'a> {
        Facts {
            catalog,
            resolved: RwLock::new(HashMap::default()),
        }
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
