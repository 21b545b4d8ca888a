//! The catalog: an index over `services.jsonl` whose lines are parsed on first use, with lookups,
//! wildcard expansion, resource-type matching and condition-key checks.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::OnceLock;

use warden_policy::wildcard::{self, Case};

use crate::compact;
use crate::condition::{key_matches, matches_only_itself};
use crate::err::{CatalogError, LookupError};
use crate::model::{
    Action, ConditionKeyType, Counts, GlobalConditionKey, GlobalConditionKeys, Manifest,
    ResourceType, Service, SourceInfo, Text, cmp_ignore_ascii_case,
};
use crate::resource::{Reading, could_match};

/// File names of the data, relative to `crates/catalog/data/`.
pub const MANIFEST_FILE: &str = "manifest.json";
pub const SERVICES_FILE: &str = "services.jsonl";
pub const CONDITION_KEY_PREFIXES_FILE: &str = "condition-key-prefixes.json";
pub const GLOBAL_CONDITION_KEYS_FILE: &str = "global-condition-keys.json";

/// The four data files, as text.
#[derive(Debug, Clone, Copy)]
pub struct DataFiles<'a> {
    pub manifest: &'a str,
    pub services: &'a str,
    pub condition_key_prefixes: &'a str,
    pub global_condition_keys: &'a str,
}

/// The data compiled into this binary.
pub const EMBEDDED: DataFiles<'static> = DataFiles {
    manifest: include_str!("../data/manifest.json"),
    services: include_str!("../data/services.jsonl"),
    condition_key_prefixes: include_str!("../data/condition-key-prefixes.json"),
    global_condition_keys: include_str!("../data/global-condition-keys.json"),
};

/// The AWS service authorization reference: every service, action, resource type and condition
/// key. Services are parsed lazily, each once, on first use.
#[derive(Debug)]
pub struct Catalog {
    manifest: Manifest,
    services_text: Cow<'static, str>,
    /// Sorted by prefix.
    slots: Vec<Slot>,
    /// The slots' prefixes, for lookups.
    prefixes: NameTable,
    global: GlobalConditionKeys,
    /// Global keys by the part of their name before `:`, lowercase and sorted: each head with
    /// the templates (indexes into `global.keys`, in order) among its keys and the keys whose
    /// head is a placeholder, which any head may match.
    global_by_head: Vec<(String, Vec<usize>)>,
    /// The keys whose head is a placeholder, for heads no key has.
    global_templated: Vec<usize>,
    /// Every global key's name in list order, for the exact lookup (a name equal to a key's
    /// has that key's head, so it is among the head's candidates).
    global_names: NameTable,
    /// Non-service condition key prefixes (`token.actions.githubusercontent.com`) → services
    /// that define keys with them.
    foreign_prefixes: Vec<(String, Vec<String>)>,
}

#[derive(Debug)]
struct Slot {
    prefix: String,
    /// The service's JSON line in the services text; `None` for slots made from the compact
    /// records, whose line is only looked for if a record fails to decode.
    line: Option<Range<usize>>,
    /// The service's record in [`compact::EMBEDDED_SERVICES`], when the lines are the embedded
    /// ones: decoded instead of parsing the line.
    compact: Option<Range<usize>>,
    service: OnceLock<Loaded>,
}

/// Names sorted by lowercase, stored lowercase end to end in one buffer, so a binary search
/// reads two arrays instead of following a pointer to every name it compares (lookups were
/// dominated by cache misses on the names of scattered `Action`s and `Slot`s). An exact name
/// is found through a hash of its lowercase bytes instead: most patterns of a run are exact
/// names, and the binary searches of tens of thousands of them were most of resolving them.
#[derive(Debug, Default)]
struct NameTable {
    bytes: Vec<u8>,
    /// End of each name in `bytes`.
    ends: Vec<u32>,
    /// Open addressing by [`name_hash`]: each slot holds a name's index plus one, 0 when
    /// empty; a power of two long, at most half full.
    exact: Vec<u32>,
}

impl NameTable {
    fn of<'n>(names: impl Iterator<Item = &'n str>) -> NameTable {
        let mut table = NameTable::default();
        for name in names {
            table
                .bytes
                .extend(name.bytes().map(|byte| byte.to_ascii_lowercase()));
            table
                .ends
                .push(u32::try_from(table.bytes.len()).unwrap_or(u32::MAX));
        }
        table.exact = vec![0u32; (table.ends.len() * 2).next_power_of_two().max(2)];
        let mask = table.exact.len() - 1;
        for index in 0..table.ends.len() {
            let name = table.name(index);
            let mut at = name_hash(name) as usize & mask;
            // One probe: the first of names equal ignoring case keeps the slot (the data has
            // none: the lookup test compares every name with the binary search).
            let free = loop {
                match table.exact.get(at) {
                    Some(0) => break Some(at),
                    Some(slot) if table.name(*slot as usize - 1) == name => break None,
                    Some(_) => at = (at + 1) & mask,
                    None => break None,
                }
            };
            if let Some(slot) = free.and_then(|at| table.exact.get_mut(at)) {
                *slot = u32::try_from(index + 1).unwrap_or(u32::MAX);
            }
        }
        table
    }

    /// The index of `name` compared ignoring ASCII case, as [`NameTable::find`] finds it.
    fn position(&self, name: impl AsRef<[u8]>) -> Option<usize> {
        let wanted = name.as_ref();
        if self.exact.is_empty() {
            return None;
        }
        let mask = self.exact.len() - 1;
        let mut at = name_hash(wanted) as usize & mask;
        loop {
            let index = (*self.exact.get(at)? as usize).checked_sub(1)?;
            if self.name(index).eq_ignore_ascii_case(wanted) {
                return Some(index);
            }
            at = (at + 1) & mask;
        }
    }

    fn name(&self, index: usize) -> &[u8] {
        let start = match index.checked_sub(1) {
            Some(before) => self.ends.get(before).map_or(0, |end| *end as usize),
            None => 0,
        };
        let end = self.ends.get(index).map_or(start, |end| *end as usize);
        self.bytes.get(start..end).unwrap_or_default()
    }

    /// The index of `name` (compared ignoring ASCII case), as `binary_search` answers: what
    /// [`NameTable::position`] is checked against.
    #[cfg(test)]
    fn find(&self, name: &str) -> Result<usize, usize> {
        let wanted = name.as_bytes();
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match cmp_bytes_ignore_ascii_case(self.name(mid), wanted) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return Ok(mid),
            }
        }
        Err(low)
    }

    /// The first index whose name starts with `head` or sorts after it.
    fn first_from(&self, head: &[u8]) -> usize {
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let mid = low + (high - low) / 2;
            if cmp_bytes_ignore_ascii_case(self.name(mid), head).is_lt()
                && !starts_ignore_ascii_case(self.name(mid), head)
            {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        low
    }
}

/// A multiply-rotate hash (as rustc's FxHash) of `name` with ASCII letters lowercased, eight
/// bytes at a time.
fn name_hash(name: &[u8]) -> u64 {
    const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;
    let mut hash: u64 = 0;
    let mut add = |word: u64| hash = (hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    let mut chunks = name.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0; 8];
        for (into, byte) in word.iter_mut().zip(chunk) {
            *into = byte.to_ascii_lowercase();
        }
        add(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    let mut word = [0; 8];
    for (into, byte) in word.iter_mut().zip(rest) {
        *into = byte.to_ascii_lowercase();
    }
    // The length tells `ab` from `ab\0`.
    add(u64::from_le_bytes(word) ^ ((name.len() as u64) << 56));
    hash
}

/// Does `name` start with `head`, ignoring ASCII case?
fn starts_ignore_ascii_case(name: &[u8], head: &[u8]) -> bool {
    name.get(..head.len())
        .is_some_and(|start| start.eq_ignore_ascii_case(head))
}

/// A parsed service and the byte order of its action names (the order of [`ActionId`]s).
#[derive(Debug)]
struct Loaded {
    service: Service,
    /// Position in `service.actions` (lowercase order) → rank by exact name, bytewise.
    rank: Vec<u16>,
    /// Rank → position in `service.actions`.
    position: Vec<u16>,
    /// The action names in `service.actions` order, for lookups.
    names: NameTable,
}

impl Loaded {
    fn new(service: Service) -> Loaded {
        let mut position: Vec<u16> = (0..service.actions.len())
            .map(|index| u16::try_from(index).unwrap_or(u16::MAX))
            .collect();
        position.sort_by(|a, b| {
            let name = |index: &u16| {
                service
                    .actions
                    .get(usize::from(*index))
                    .map_or("", |action| action.name.as_str())
            };
            name(a).cmp(name(b))
        });
        let mut rank = vec![0; position.len()];
        for (order, index) in position.iter().enumerate() {
            if let Some(slot) = rank.get_mut(usize::from(*index)) {
                *slot = u16::try_from(order).unwrap_or(u16::MAX);
            }
        }
        let names = NameTable::of(service.actions.iter().map(|action| action.name.as_str()));
        Loaded {
            service,
            rank,
            position,
            names,
        }
    }
}

/// An action of the catalog as a number: ids order as `(service prefix, action name)` compare
/// bytewise, so sorting and deduplicating ids sorts and deduplicates actions by name without
/// comparing strings. Valid for the catalog that made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ActionId(u32);

impl ActionId {
    fn new(slot: usize, rank: u16) -> ActionId {
        ActionId((u32::try_from(slot).unwrap_or(u32::MAX >> 16) << 16) | u32::from(rank))
    }

    fn slot(self) -> usize {
        (self.0 >> 16) as usize
    }

    fn rank(self) -> usize {
        (self.0 & 0xffff) as usize
    }
}

impl Catalog {
    /// The catalog compiled into the binary. The first call builds the index (one pass over the
    /// lines, no JSON parsing of services); services are parsed when first looked up.
    #[expect(
        clippy::expect_used,
        reason = "the embedded data is generated, digest-checked by `cargo xtask catalog check` and fully parsed by the crate's tests; unreadable embedded data is a build defect"
    )]
    pub fn embedded() -> &'static Catalog {
        static EMBEDDED_CATALOG: OnceLock<Catalog> = OnceLock::new();
        EMBEDDED_CATALOG.get_or_init(|| {
            Catalog::index(EMBEDDED, Cow::Borrowed(EMBEDDED.services))
                .expect("embedded catalog data is unreadable: run `cargo xtask catalog check`")
        })
    }

    /// Indexes data files without parsing any service (what [`Catalog::embedded`] does, without
    /// the process-wide cache), for benchmarks. Lines are parsed on first use and a malformed
    /// line then panics: use [`Catalog::load`] for data that was not verified.
    pub fn lazy(files: DataFiles<'static>) -> Result<Catalog, CatalogError> {
        Catalog::index(files, Cow::Borrowed(files.services))
    }

    /// Loads data files eagerly, parsing every service and checking the manifest's digests and
    /// counts. Used to verify data; lookups on the result never parse again.
    pub fn load(files: DataFiles<'_>) -> Result<Catalog, CatalogError> {
        let catalog = Catalog::index(files, Cow::Owned(files.services.to_string()))?;
        catalog.verify(files)?;
        Ok(catalog)
    }

    fn index(
        files: DataFiles<'_>,
        services_text: Cow<'static, str>,
    ) -> Result<Catalog, CatalogError> {
        let manifest: Manifest =
            serde_json::from_str(files.manifest).map_err(|err| invalid(MANIFEST_FILE, &err))?;
        let global: GlobalConditionKeys = serde_json::from_str(files.global_condition_keys)
            .map_err(|err| invalid(GLOBAL_CONDITION_KEYS_FILE, &err))?;
        let prefixes: BTreeMap<String, Vec<String>> =
            serde_json::from_str(files.condition_key_prefixes)
                .map_err(|err| invalid(CONDITION_KEY_PREFIXES_FILE, &err))?;
        // The embedded lines have compact records, which name their prefixes: the slots are
        // made from those without reading the megabytes of lines.
        let slots = match is_embedded_services(files.services)
            .then(compact_slots)
            .flatten()
        {
            Some(slots) => slots,
            None => index_lines(&services_text)?,
        };
        let names = NameTable::of(slots.iter().map(|slot| slot.prefix.as_str()));
        let (global_by_head, global_templated) = index_global_keys(&global);
        let global_names = NameTable::of(global.keys.iter().map(|key| key.name.as_str()));
        Ok(Catalog {
            manifest,
            services_text,
            slots,
            prefixes: names,
            global,
            global_by_head,
            global_templated,
            global_names,
            foreign_prefixes: prefixes.into_iter().collect(),
        })
    }

    /// Parses every service and checks digests and counts against the manifest.
    pub fn verify(&self, files: DataFiles<'_>) -> Result<Counts, CatalogError> {
        for (number, slot) in self.slots.iter().enumerate() {
            if slot.service.get().is_none() {
                let service =
                    parse_service(self.service_line(number, slot)).map_err(|message| {
                        CatalogError::InvalidServiceLine {
                            line: number + 1,
                            message,
                        }
                    })?;
                // A concurrent lookup may have filled it; both parses are equal.
                let _ = slot.service.set(Loaded::new(service));
            }
        }
        for (file, text) in [
            (SERVICES_FILE, files.services),
            (CONDITION_KEY_PREFIXES_FILE, files.condition_key_prefixes),
        ] {
            let actual = crate::convert::digest(text.as_bytes());
            let recorded = self.manifest.files.get(file).cloned().unwrap_or_default();
            if recorded != actual {
                return Err(CatalogError::DigestMismatch {
                    file: file.to_string(),
                    recorded,
                    actual,
                });
            }
        }
        let counts = self.counts();
        if counts != self.manifest.counts {
            return Err(CatalogError::CountMismatch {
                recorded: format!("{:?}", self.manifest.counts),
                actual: format!("{counts:?}"),
            });
        }
        Ok(counts)
    }

    /// Counts of services, actions, resource types and service condition keys (parses all).
    pub fn counts(&self) -> Counts {
        let mut counts = Counts {
            services: 0,
            actions: 0,
            resource_types: 0,
            condition_keys: 0,
        };
        for service in self.services() {
            counts.services += 1;
            counts.actions += service.actions.len();
            counts.resource_types += service.resource_types.len();
            counts.condition_keys += service.condition_keys.len();
        }
        counts
    }

    /// Package, version and integrity of the source data.
    pub fn source(&self) -> &SourceInfo {
        &self.manifest.source
    }

    /// The whole manifest (source, counts, file digests).
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Every service, sorted by prefix.
    pub fn services(&self) -> impl Iterator<Item = &Service> + '_ {
        self.slots.iter().map(|slot| self.slot_service(slot))
    }

    /// Service prefixes, sorted, without parsing any service.
    pub fn service_prefixes(&self) -> impl Iterator<Item = &str> + '_ {
        self.slots.iter().map(|slot| slot.prefix.as_str())
    }

    /// The service with this prefix, case-insensitively.
    pub fn service(&self, prefix: &str) -> Option<&Service> {
        self.prefixes
            .position(prefix)
            .and_then(|index| self.slots.get(index))
            .map(|slot| self.slot_service(slot))
    }

    /// The action `service:Action`, case-insensitively. A name with wildcards is not an action
    /// name: use [`Catalog::expand`].
    pub fn action(&self, name: &str) -> Result<&Action, LookupError> {
        let (service_part, action_part) = split_action(name)?;
        let loaded = self
            .prefixes
            .position(service_part)
            .and_then(|index| self.slots.get(index))
            .map(|slot| self.slot_loaded(slot))
            .ok_or_else(|| LookupError::UnknownService {
                service: service_part.to_string(),
                input: name.to_string(),
            })?;
        let service = &loaded.service;
        loaded
            .names
            .position(action_part)
            .and_then(|position| service.actions.get(position))
            .ok_or_else(|| LookupError::UnknownAction {
                service: service.prefix.to_string(),
                action: action_part.to_string(),
                input: name.to_string(),
            })
    }

    /// The closest known name to a misspelled `service:Action` (`s3:GetObjects` →
    /// `s3:GetObject`, `ec:DescribeInstances` → `ec2:DescribeInstances`), for "did you mean"
    /// messages. `None` when the name is known, malformed, has wildcards or nothing is close
    /// (edit distance at most 2, or a fifth of the name for long names).
    pub fn suggest(&self, name: &str) -> Option<String> {
        let (service_part, action_part) = split_action(name).ok()?;
        if wildcard::has_wildcard(name) || self.action(name).is_ok() {
            return None;
        }
        let service = match self.service(service_part) {
            Some(service) => service,
            None => {
                let prefix = closest(service_part, self.service_prefixes())?;
                self.service(prefix)?
            }
        };
        let action = match service.action(action_part) {
            Some(action) => action.name.as_str(),
            None => closest(
                action_part,
                service.actions.iter().map(|action| action.name.as_str()),
            )?,
        };
        Some(format!("{}:{action}", service.prefix))
    }

    /// The known service prefix closest to a misspelled one (`ecrr` → `ecr`); `None` when the
    /// prefix is known or nothing is close.
    pub fn suggest_service(&self, prefix: &str) -> Option<&str> {
        if self.service(prefix).is_some() {
            return None;
        }
        closest(prefix, self.service_prefixes())
    }

    /// Every action an IAM action pattern matches (`s3:Get*`, `*:Describe*`, `ec2:?escribe*`,
    /// `*`), sorted by service then name. A service part that matches no service is
    /// `UnknownService`; a known service with no matching action gives `Ok(vec![])`.
    pub fn expand(&self, pattern: &str) -> Result<Vec<&Action>, LookupError> {
        let mut found = Vec::new();
        self.each_match(pattern, |_, loaded, position| {
            if let Some(action) = loaded.service.actions.get(position) {
                found.push(action);
            }
        })?;
        Ok(found)
    }

    /// [`Catalog::expand`] as ids appended to `out`, in the same order (not sorted by id: sort
    /// and deduplicate the ids of several patterns at once). Nothing is allocated per action.
    pub fn expand_ids(&self, pattern: &str, out: &mut Vec<ActionId>) -> Result<(), LookupError> {
        self.each_match(pattern, |slot, loaded, position| {
            if let Some(rank) = loaded.rank.get(position) {
                out.push(ActionId::new(slot, *rank));
            }
        })
    }

    /// The action an id names (`None` for an id of another catalog).
    pub fn action_by_id(&self, id: ActionId) -> Option<&Action> {
        let loaded = self.slot_loaded(self.slots.get(id.slot())?);
        let position = *loaded.position.get(id.rank())?;
        loaded.service.actions.get(usize::from(position))
    }

    /// The id of an action of this catalog (as [`Catalog::action`] finds it).
    pub fn action_id(&self, action: &Action) -> Option<ActionId> {
        let slot = self.prefixes.position(&action.service)?;
        let loaded = self.slot_loaded(self.slots.get(slot)?);
        let position = loaded.names.position(&action.name)?;
        Some(ActionId::new(slot, *loaded.rank.get(position)?))
    }

    /// Calls `visit` with the slot, service and action position of every action `pattern`
    /// matches, services in prefix order and actions in lookup order.
    fn each_match<'s>(
        &'s self,
        pattern: &str,
        mut visit: impl FnMut(usize, &'s Loaded, usize),
    ) -> Result<(), LookupError> {
        fn every<'s>(
            slot: usize,
            loaded: &'s Loaded,
            visit: &mut impl FnMut(usize, &'s Loaded, usize),
        ) {
            for position in 0..loaded.service.actions.len() {
                visit(slot, loaded, position);
            }
        }
        if pattern == "*" {
            for (slot, entry) in self.slots.iter().enumerate() {
                every(slot, self.slot_loaded(entry), &mut visit);
            }
            return Ok(());
        }
        let (service_part, action_part) = split_action(pattern)?;
        let unknown = || LookupError::UnknownService {
            service: service_part.to_string(),
            input: pattern.to_string(),
        };
        // The common case (most patterns name one action): two hash lookups, nothing
        // allocated. Without `*`, `?` or `$` a part is literal (`$` may start an escape).
        let plain = |part: &str| !part.bytes().any(|byte| matches!(byte, b'*' | b'?' | b'$'));
        if plain(service_part) && plain(action_part) {
            let slot = self.prefixes.position(service_part).ok_or_else(unknown)?;
            if let Some(entry) = self.slots.get(slot) {
                let loaded = self.slot_loaded(entry);
                if let Some(position) = loaded.names.position(action_part) {
                    visit(slot, loaded, position);
                }
            }
            return Ok(());
        }
        let literal_service = !wildcard::has_wildcard(service_part);
        let slots: Vec<usize> = if literal_service {
            let slot = self.prefixes.position(service_part).ok_or_else(unknown)?;
            vec![slot]
        } else {
            let slots: Vec<usize> = self
                .slots
                .iter()
                .enumerate()
                .filter(|(_, slot)| {
                    wildcard::matches(service_part, &slot.prefix, Case::Insensitive)
                })
                .map(|(index, _)| index)
                .collect();
            if slots.is_empty() {
                return Err(unknown());
            }
            slots
        };
        let loaded = slots
            .into_iter()
            .filter_map(|slot| Some((slot, self.slot_loaded(self.slots.get(slot)?))));
        if action_part == "*" {
            for (slot, loaded) in loaded {
                every(slot, loaded, &mut visit);
            }
            return Ok(());
        }
        if !wildcard::has_wildcard(action_part) {
            for (slot, loaded) in loaded {
                if let Some(position) = loaded.names.position(action_part) {
                    visit(slot, loaded, position);
                }
            }
            return Ok(());
        }
        // Actions are sorted by lowercase name, so those starting with the pattern's literal
        // head (`Describe` of `Describe*`) are one run found by binary search; only that run is
        // matched against the whole pattern, compiled once. Action names are ASCII, so ASCII
        // case folding is all the matcher needs.
        let segments = wildcard::segments(action_part, true);
        let head_len = action_part
            .find(['*', '?', '$'])
            .unwrap_or(action_part.len());
        let head = &action_part.as_bytes()[..head_len];
        let head_only = action_part.len() == head_len + 1 && action_part.ends_with('*');
        for (slot, loaded) in loaded {
            let names = &loaded.names;
            for position in names.first_from(head)..loaded.service.actions.len() {
                let name = names.name(position);
                if !starts_ignore_ascii_case(name, head) {
                    break;
                }
                let matched = head_only
                    || loaded.service.actions.get(position).is_some_and(|action| {
                        wildcard::match_segments(&segments, &action.name, Case::Insensitive)
                    });
                if matched {
                    visit(slot, loaded, position);
                }
            }
        }
        Ok(())
    }

    /// Which of the action's resource types a policy `Resource` could name. `arn` may carry
    /// wildcards and policy variables; the answer is then every type it could match. Names
    /// with `/` or `:` inside a placeholder are considered only when nothing matches without
    /// them (see [`crate::resource`]).
    pub fn resource_types_for_arn(&self, action: &Action, arn: &str) -> Vec<&ResourceType> {
        let Some(service) = self.service(&action.service) else {
            return Vec::new();
        };
        let candidates: Vec<&ResourceType> = action
            .resource_types
            .iter()
            .filter_map(|row| service.resource_type(&row.name))
            .collect();
        for reading in [Reading::Strict, Reading::Permissive] {
            let matched: Vec<&ResourceType> = candidates
                .iter()
                .copied()
                .filter(|resource| {
                    resource
                        .arn_patterns
                        .iter()
                        .any(|format| could_match(arn, format, reading))
                })
                .collect();
            if !matched.is_empty() {
                return matched;
            }
        }
        Vec::new()
    }

    /// Can `key` be used in a condition on `action`? True for the action's own keys, the keys
    /// of the resource types it accepts, and global keys (`aws:SourceArn`,
    /// `aws:PrincipalTag/Team`, …). Case-insensitive; templated keys match any tag key.
    pub fn condition_key_valid(&self, action: &Action, key: &str) -> bool {
        if self.global_condition_key(key).is_some() {
            return true;
        }
        if self.condition_key_listed(action, key) {
            return true;
        }
        let oidc = &self.global.oidc_provider_keys;
        let carries_oidc_claims = oidc
            .actions
            .iter()
            .any(|name| name.eq_ignore_ascii_case(&action.full_name()));
        carries_oidc_claims && self.is_oidc_provider_key(key)
    }

    /// Does the reference list `key` for `action` itself or for a resource type it accepts?
    /// Stricter than [`Catalog::condition_key_valid`]: global keys count only when listed, so
    /// `aws:ResourceTag/…` is false for an action whose resources carry no tags (a condition on
    /// it would never see the key).
    pub fn condition_key_listed(&self, action: &Action, key: &str) -> bool {
        let fits = |keys: &[Text]| keys.iter().any(|candidate| key_matches(candidate, key));
        if fits(&action.condition_keys) {
            return true;
        }
        let service = self.service(&action.service);
        action.resource_types.iter().any(|row| {
            fits(&row.condition_keys)
                || service
                    .and_then(|service| service.resource_type(&row.name))
                    .is_some_and(|resource| fits(&resource.condition_keys))
        })
    }

    /// The value type of a condition key: global keys, then the service its prefix names, then
    /// services that define keys with a non-service prefix (OIDC and SAML keys are defined by
    /// `sts`).
    pub fn condition_key_type(&self, key: &str) -> Option<ConditionKeyType> {
        if let Some(global) = self.global_condition_key(key) {
            return Some(global.value_type);
        }
        let (prefix, _) = key.split_once(':')?;
        if let Some(found) = self
            .service(prefix)
            .and_then(|service| service.condition_key(key))
        {
            return Some(found.value_type);
        }
        let foreign = self
            .foreign_prefixes
            .iter()
            .filter(|(template, _)| key_matches(template, prefix))
            .flat_map(|(_, services)| services)
            .filter_map(|service| self.service(service))
            .find_map(|service| service.condition_key(key))
            .map(|found| found.value_type);
        foreign.or_else(|| {
            self.is_oidc_provider_key(key)
                .then_some(self.global.oidc_provider_keys.value_type)
        })
    }

    /// Is `key` a standard claim of some OIDC provider (`<issuer host/path>:sub`)? The issuer
    /// part must look like a host (contain a dot) and not be a service prefix.
    pub fn is_oidc_provider_key(&self, key: &str) -> bool {
        let Some((provider, claim)) = key.split_once(':') else {
            return false;
        };
        provider.contains('.')
            && self.service(provider).is_none()
            && self
                .global
                .oidc_provider_keys
                .claims
                .iter()
                .any(|known| known.eq_ignore_ascii_case(claim))
    }

    /// The global condition key `key` names (`aws:PrincipalTag/Team` names
    /// `aws:PrincipalTag/${TagKey}`), case-insensitively.
    pub fn global_condition_key(&self, key: &str) -> Option<&GlobalConditionKey> {
        // The first key of that name in list order (the table keeps the first of equal names).
        if let Some(exact) = self.global_names.position(key) {
            return self.global.keys.get(exact);
        }
        // Otherwise a template: most keys asked about are service keys (`s3:prefix`), and only
        // the templates with the same part before `:` (and those whose part before `:` is a
        // placeholder) can match, listed per head once, when the catalog is built.
        let wanted = key_head(key);
        let candidates = self
            .global_by_head
            .binary_search_by(|(head, _)| cmp_ignore_ascii_case(head, wanted))
            .ok()
            .and_then(|index| self.global_by_head.get(index))
            .map_or(&self.global_templated, |(_, templates)| templates);
        candidates
            .iter()
            .filter_map(|index| self.global.keys.get(*index))
            .find(|global| key_matches(&global.name, key))
    }

    /// Every global condition key, with the page the list follows.
    pub fn global_condition_keys(&self) -> &GlobalConditionKeys {
        &self.global
    }

    /// The JSON line of the slot at `number` (its line when indexed, else the `number`th
    /// non-empty line of the text).
    fn service_line(&self, number: usize, slot: &Slot) -> &str {
        let range = slot.line.clone().or_else(|| {
            line_ranges(&self.services_text)
                .filter(|range| !range.is_empty())
                .nth(number)
        });
        range
            .and_then(|range| self.services_text.get(range))
            .unwrap_or_default()
    }

    fn slot_number(&self, slot: &Slot) -> usize {
        self.slots
            .iter()
            .position(|candidate| std::ptr::eq(candidate, slot))
            .unwrap_or(usize::MAX)
    }

    #[expect(
        clippy::expect_used,
        reason = "lines of the embedded data are parsed by the crate's tests and `catalog check`; `Catalog::load` parses every line before returning"
    )]
    fn slot_loaded<'a>(&'a self, slot: &'a Slot) -> &'a Loaded {
        slot.service.get_or_init(|| {
            let decoded = slot
                .compact
                .clone()
                .and_then(|range| compact::EMBEDDED_SERVICES.get(range))
                .and_then(compact::decode);
            let service = match decoded {
                Some(mut service) => {
                    service.finish_loading();
                    service
                }
                None => parse_service(self.service_line(self.slot_number(slot), slot))
                    .expect("catalog service line is unreadable: run `cargo xtask catalog check`"),
            };
            Loaded::new(service)
        })
    }

    /// How many services have been decoded so far (a lookup decodes its service on first use;
    /// [`Catalog::services`] decodes them all).
    pub fn decoded_services(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.service.get().is_some())
            .count()
    }

    /// How many services are read from the compact form rather than their JSON lines.
    pub fn compact_services(&self) -> usize {
        self.slots
            .iter()
            .filter(|slot| slot.compact.is_some())
            .count()
    }

    fn slot_service<'a>(&'a self, slot: &'a Slot) -> &'a Service {
        &self.slot_loaded(slot).service
    }
}

/// [`cmp_ignore_ascii_case`] over bytes.
fn cmp_bytes_ignore_ascii_case(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (left, right) in a.iter().zip(b) {
        let order = left.to_ascii_lowercase().cmp(&right.to_ascii_lowercase());
        if order.is_ne() {
            return order;
        }
    }
    a.len().cmp(&b.len())
}

/// The templates among `indexes` (`aws:RequestTag/${TagKey}`), in list order: beyond an equal
/// name, the only keys a name can fit (`aws` has dozens of plain keys).
fn templates_of(global: &GlobalConditionKeys, indexes: Vec<usize>) -> Vec<usize> {
    indexes
        .into_iter()
        .filter(|index| {
            global
                .keys
                .get(*index)
                .is_some_and(|global| !matches_only_itself(&global.name))
        })
        .collect()
}

/// The global keys grouped by head for [`Catalog::global_condition_key`]: per lowercase head
/// (sorted), the templates with that head or a placeholder head; and the placeholder-head
/// templates alone.
fn index_global_keys(global: &GlobalConditionKeys) -> (Vec<(String, Vec<usize>)>, Vec<usize>) {
    let templated_head = |name: &str| key_head(name).contains(['$', '<']);
    let templated: Vec<usize> = global
        .keys
        .iter()
        .enumerate()
        .filter(|(_, key)| templated_head(&key.name))
        .map(|(index, _)| index)
        .collect();
    let mut heads: Vec<String> = global
        .keys
        .iter()
        .filter(|key| !templated_head(&key.name))
        .map(|key| key_head(&key.name).to_ascii_lowercase())
        .collect();
    heads.sort();
    heads.dedup();
    let by_head = heads
        .into_iter()
        .map(|head| {
            let keys = global
                .keys
                .iter()
                .enumerate()
                .filter(|(_, key)| {
                    templated_head(&key.name) || key_head(&key.name).eq_ignore_ascii_case(&head)
                })
                .map(|(index, _)| index)
                .collect();
            (head, templates_of(global, keys))
        })
        .collect();
    (by_head, templates_of(global, templated))
}

/// A condition key's part before `:` (`aws` of `aws:SourceIp`), or all of it.
fn key_head(key: &str) -> &str {
    key.split_once(':').map_or(key, |(head, _)| head)
}

/// The candidate nearest to `wanted` (case-insensitive edit distance, at most 2 or a fifth of
/// its length), for "did you mean" messages about any misspelled name.
pub fn closest<'c>(wanted: &str, candidates: impl Iterator<Item = &'c str>) -> Option<&'c str> {
    let limit = (wanted.len() / 5).max(2);
    candidates
        .map(|candidate| (edit_distance(wanted, candidate), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance over ASCII-lowercased bytes.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, &left) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, &right) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(!left.eq_ignore_ascii_case(&right));
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn split_action(input: &str) -> Result<(&str, &str), LookupError> {
    match input.split_once(':') {
        Some((service, action)) if !service.is_empty() && !action.is_empty() => {
            Ok((service, action))
        }
        _ => Err(LookupError::Malformed {
            input: input.to_string(),
        }),
    }
}

fn invalid(file: &str, err: &serde_json::Error) -> CatalogError {
    CatalogError::InvalidFile {
        file: file.to_string(),
        message: err.to_string(),
    }
}

fn parse_service(line: &str) -> Result<Service, String> {
    let mut service: Service = serde_json::from_str(line).map_err(|err| err.to_string())?;
    service.finish_loading();
    Ok(service)
}

/// Are these the embedded lines (that `build.rs` made the compact form of)?
fn is_embedded_services(services: &str) -> bool {
    std::ptr::eq(services, EMBEDDED.services) || services == EMBEDDED.services
}

/// One slot per compact record of the embedded services, in order, decoded from its record
/// and with its prefix read from it (`build.rs` derives the records from the embedded lines,
/// so they are the lines' services; a test compares the two indexes); `None` when the
/// records do not read.
fn compact_slots() -> Option<Vec<Slot>> {
    compact::records(compact::EMBEDDED_SERVICES)?
        .into_iter()
        .map(|range| {
            let prefix = compact::EMBEDDED_SERVICES
                .get(range.clone())
                .and_then(compact::record_prefix)?;
            Some(Slot {
                prefix: prefix.to_string(),
                line: None,
                compact: Some(range),
                service: OnceLock::new(),
            })
        })
        .collect()
}

/// Each line's byte range in `text`, without its `\n`.
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    text.split_inclusive('\n').map(move |line| {
        let range = start..start + line.trim_end_matches('\n').len();
        start += line.len();
        range
    })
}

/// One slot per line: the prefix is read from the line's fixed opening `{"prefix":"…"`, so
/// building the index parses no JSON.
fn index_lines(text: &str) -> Result<Vec<Slot>, CatalogError> {
    const OPENING: &str = "{\"prefix\":\"";
    let mut slots: Vec<Slot> = Vec::with_capacity(512);
    for (number, range) in line_ranges(text).enumerate() {
        let content = text.get(range.clone()).unwrap_or_default();
        if content.is_empty() {
            continue;
        }
        let prefix = content
            .strip_prefix(OPENING)
            .and_then(|rest| rest.split_once('"'))
            .map(|(prefix, _)| prefix)
            .filter(|prefix| !prefix.is_empty() && !prefix.contains('\\'))
            .ok_or_else(|| CatalogError::InvalidServiceLine {
                line: number + 1,
                message: format!("a line must start with `{OPENING}`"),
            })?;
        if slots
            .last()
            .is_some_and(|previous| cmp_ignore_ascii_case(&previous.prefix, prefix).is_ge())
        {
            return Err(CatalogError::Unsorted {
                line: number + 1,
                prefix: prefix.to_string(),
            });
        }
        slots.push(Slot {
            prefix: prefix.to_string(),
            line: Some(range),
            compact: None,
            service: OnceLock::new(),
        });
    }
    Ok(slots)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts near `name`: itself in three spellings, one byte shorter, longer, changed.
    fn near(name: &str) -> Vec<String> {
        let mut texts = vec![
            name.to_string(),
            name.to_ascii_uppercase(),
            name.to_ascii_lowercase(),
            format!("{name}s"),
            format!("{name}\u{0}"),
            format!("x{name}"),
        ];
        if let Some((last, _)) = name.char_indices().last() {
            texts.push(name[..last].to_string());
            texts.push(format!("{}_", &name[..last]));
        }
        texts
    }

    /// The embedded catalog's slots, made from the compact records, are the lines' slots: same
    /// prefixes in the same (sorted) order, and each slot's line found on demand is its line.
    #[test]
    fn slots_from_records_are_the_slots_of_the_lines() {
        let from_records = compact_slots().unwrap();
        let from_lines = index_lines(EMBEDDED.services).unwrap();
        assert!(from_lines.len() > 400, "{}", from_lines.len());
        let prefixes = |slots: &[Slot]| {
            slots
                .iter()
                .map(|slot| slot.prefix.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(prefixes(&from_records), prefixes(&from_lines));
        let catalog = Catalog::embedded();
        assert!(
            catalog
                .slots
                .iter()
                .all(|slot| slot.line.is_none() && slot.compact.is_some())
        );
        for (number, slot) in catalog.slots.iter().enumerate().step_by(37) {
            let expected = from_lines[number].line.clone().unwrap();
            assert_eq!(
                catalog.service_line(number, slot),
                &EMBEDDED.services[expected]
            );
            assert_eq!(catalog.slot_number(slot), number);
        }
    }

    /// The hash index answers as the binary search for every service prefix and every action
    /// name of the catalog, in any case, and for texts next to them that name nothing.
    #[test]
    fn hash_lookups_answer_as_the_binary_search_over_the_whole_catalog() {
        let catalog = Catalog::embedded();
        let mut asked = 0;
        let mut found = 0;
        let mut check = |table: &NameTable, text: &str| {
            let hashed = table.position(text);
            assert_eq!(hashed, table.find(text).ok(), "`{text}`");
            asked += 1;
            found += usize::from(hashed.is_some());
        };
        for prefix in catalog.service_prefixes() {
            for text in near(prefix) {
                check(&catalog.prefixes, &text);
            }
        }
        for slot in &catalog.slots {
            let loaded = catalog.slot_loaded(slot);
            for action in &loaded.service.actions {
                for text in near(&action.name) {
                    check(&loaded.names, &text);
                }
            }
            for text in ["", "*", "é", "Ab\u{0}"] {
                check(&loaded.names, text);
            }
        }
        let actions = catalog.counts().actions;
        assert!(actions > 15_000, "{actions} actions");
        // Every name in three spellings, and some of the near texts are names too.
        assert!(found >= 3 * actions, "{found} of {asked} found");
        assert!(found < asked, "{found} of {asked} found");
    }

    /// Every action's full name, in any case, expands to that action alone.
    #[test]
    fn an_exact_name_expands_to_its_action() {
        let catalog = Catalog::embedded();
        let mut ids = Vec::new();
        for service in catalog.services() {
            for action in &service.actions {
                let name = action.full_name();
                for text in [name.clone(), name.to_ascii_uppercase()] {
                    ids.clear();
                    catalog.expand_ids(&text, &mut ids).unwrap();
                    assert_eq!(ids, [catalog.action_id(action).unwrap()], "`{text}`");
                    assert_eq!(catalog.action(&text).unwrap(), action);
                }
            }
        }
        assert!(matches!(
            catalog.expand_ids("nosuchservice:GetObject", &mut ids),
            Err(LookupError::UnknownService { .. })
        ));
        ids.clear();
        catalog.expand_ids("s3:NoSuchAction", &mut ids).unwrap();
        assert!(ids.is_empty());
    }
}
