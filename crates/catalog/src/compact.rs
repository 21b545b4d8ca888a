//! The compact form of `services.jsonl` that `build.rs` prepares: the embedded catalog decodes a
//! service from it with every string borrowed from the embedded table (no copy), with no JSON
//! to scan (parsing every service's JSON line was the largest fixed cost of a lint run) and no
//! UTF-8 to check (the strings come from one table embedded with `include_str!`, checked when
//! the crate compiles).
//!
//! Layout, integers little-endian `u32`: `strings.txt` holds every distinct string once, end
//! to end; `services.bin` is one record per line of `services.jsonl`,
//! in order, each preceded by its length. A record is the service's fields in [`Service`]
//! order: `prefix`, `name`, the actions (count, then each: `name`, `description`, `access`,
//! its resource type rows — count, then `name`, a `required` byte, `condition_keys`,
//! `dependent_actions` — then `condition_keys`, `dependent_actions`), the resource types
//! (count, then `name`, `arn_patterns`, `condition_keys`) and the condition keys (count, then
//! `name`, `type`). A string is its offset and length in `strings.txt`; a list of strings is a
//! count and the strings; access levels and key types are spelled as in the JSON.

use std::ops::Range;

use crate::model::{
    AccessLevel, Action, ActionResourceType, ConditionKey, ConditionKeyType, ResourceType, Service,
    Text,
};

/// The compact form of the embedded `services.jsonl`, prepared by `build.rs`.
pub(crate) const EMBEDDED_SERVICES: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/services.bin"));

/// The strings [`EMBEDDED_SERVICES`] names by place.
pub(crate) const EMBEDDED_STRINGS: &str = include_str!(concat!(env!("OUT_DIR"), "/strings.txt"));

/// The byte range of each record of `data`, in order; `None` when the lengths do not add up.
pub(crate) fn records(data: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut reader = Reader::new(data);
    let mut ranges = Vec::with_capacity(512);
    while reader.at < data.len() {
        let len = reader.len()?;
        let start = reader.at;
        reader.bytes(len)?;
        ranges.push(start..reader.at);
    }
    Some(ranges)
}

/// The prefix a record starts with, without decoding the rest.
pub(crate) fn record_prefix(record: &[u8]) -> Option<&'static str> {
    Reader::new(record).str()
}

/// Decodes one record into the service its JSON line deserializes to (before
/// `finish_loading`); `None` when the record is malformed.
pub(crate) fn decode(record: &[u8]) -> Option<Service> {
    let mut reader = Reader::new(record);
    let prefix = reader.string()?;
    let name = reader.string()?;
    let actions = reader.list(|reader| {
        Some(Action {
            service: Text::default(),
            name: reader.string()?,
            description: reader.str()?.into(),
            access_level: AccessLevel::parse(reader.str()?)?,
            resource_types: reader.list(|reader| {
                Some(ActionResourceType {
                    name: reader.string()?,
                    required: reader.byte()? != 0,
                    condition_keys: reader.strings()?,
                    dependent_actions: reader.strings()?,
                })
            })?,
            condition_keys: reader.strings()?,
            dependent_actions: reader.strings()?,
        })
    })?;
    let resource_types = reader.list(|reader| {
        Some(ResourceType {
            name: reader.string()?,
            arn_patterns: reader.strings()?,
            condition_keys: reader.strings()?,
        })
    })?;
    let condition_keys = reader.list(|reader| {
        Some(ConditionKey {
            name: reader.string()?,
            value_type: ConditionKeyType::parse(reader.str()?)?,
        })
    })?;
    (reader.at == record.len()).then_some(Service {
        prefix,
        name,
        actions,
        resource_types,
        condition_keys,
    })
}

struct Reader<'d> {
    data: &'d [u8],
    at: usize,
    strings: &'static str,
}

impl<'d> Reader<'d> {
    fn new(data: &'d [u8]) -> Reader<'d> {
        Reader {
            data,
            at: 0,
            strings: EMBEDDED_STRINGS,
        }
    }

    fn bytes(&mut self, len: usize) -> Option<&'d [u8]> {
        let bytes = self.data.get(self.at..self.at.checked_add(len)?)?;
        self.at += len;
        Some(bytes)
    }

    fn byte(&mut self) -> Option<u8> {
        self.bytes(1)?.first().copied()
    }

    fn len(&mut self) -> Option<usize> {
        let bytes: [u8; 4] = self.bytes(4)?.try_into().ok()?;
        usize::try_from(u32::from_le_bytes(bytes)).ok()
    }

    /// A string of the table (a range off the table or not on a character boundary is
    /// malformed).
    fn str(&mut self) -> Option<&'static str> {
        let offset = self.len()?;
        let len = self.len()?;
        self.strings.get(offset..offset.checked_add(len)?)
    }

    fn string(&mut self) -> Option<Text> {
        self.str().map(Text::borrowed)
    }

    fn strings(&mut self) -> Option<Vec<Text>> {
        self.list(Reader::string)
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let count = self.len()?;
        // A count larger than the bytes left is malformed; do not reserve for it.
        let mut items = Vec::with_capacity(count.min(self.data.len() - self.at));
        for _ in 0..count {
            items.push(item(self)?);
        }
        Some(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, EMBEDDED};

    /// Every embedded service decodes from the compact form exactly as serde reads its JSON
    /// line: the two readers cannot drift apart, field by field.
    #[test]
    fn every_record_decodes_as_its_json_line() {
        let lines: Vec<&str> = EMBEDDED
            .services
            .lines()
            .filter(|line| !line.is_empty())
            .collect();
        let records = records(EMBEDDED_SERVICES).unwrap();
        assert_eq!(records.len(), lines.len());
        let mut actions = 0;
        for (line, range) in lines.iter().zip(records) {
            let from_json: Service = serde_json::from_str(line).unwrap();
            let decoded = decode(&EMBEDDED_SERVICES[range]).unwrap();
            assert_eq!(decoded, from_json, "service `{}`", from_json.prefix);
            actions += decoded.actions.len();
        }
        assert!(actions > 10_000, "{actions} actions");
    }

    #[test]
    fn the_embedded_catalog_reads_the_compact_form_and_other_data_the_json() {
        let catalog = Catalog::lazy(EMBEDDED).unwrap();
        assert_eq!(
            catalog.compact_services(),
            catalog.service_prefixes().count()
        );
        assert_eq!(catalog.decoded_services(), 0, "nothing is decoded up front");
        assert_eq!(
            catalog.action("s3:GetObject").unwrap().full_name(),
            "s3:GetObject"
        );
        assert_eq!(
            catalog.decoded_services(),
            1,
            "a lookup decodes its service only"
        );
        let action = catalog.action("s3:GetObject").unwrap();
        assert!(
            matches!(action.description, std::borrow::Cow::Borrowed(_)),
            "descriptions are borrowed from the embedded strings"
        );
        assert!(!action.description.is_empty());
        let service = catalog.service("s3").unwrap();
        let names = [
            &action.name,
            &action.service,
            &service.prefix,
            &service.name,
        ]
        .into_iter()
        .chain(action.resource_types.iter().map(|row| &row.name))
        .chain(action.condition_keys.iter())
        .chain(service.resource_types.iter().flat_map(|r| &r.arn_patterns));
        for name in names {
            assert!(
                name.is_borrowed(),
                "`{name}` is a copy of the embedded text"
            );
        }
        // Other lines (here one service of the embedded data) never use the embedded records.
        let line = EMBEDDED.services.lines().next().unwrap().to_string();
        let one = crate::DataFiles {
            services: Box::leak(line.into_boxed_str()),
            ..EMBEDDED
        };
        let catalog = Catalog::lazy(one).unwrap();
        assert_eq!(catalog.compact_services(), 0);
        assert_eq!(catalog.services().count(), 1);
    }

    #[test]
    fn malformed_records_are_refused_not_misread() {
        let record = EMBEDDED_SERVICES
            .get(records(EMBEDDED_SERVICES).unwrap()[0].clone())
            .unwrap();
        assert!(decode(record).is_some());
        assert!(decode(&record[..record.len() - 1]).is_none(), "truncated");
        let mut longer = record.to_vec();
        longer.push(0);
        assert!(decode(&longer).is_none(), "trailing bytes");
        let mut outside = record.to_vec();
        outside[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode(&outside).is_none(), "a string outside the table");
        assert!(records(&[1, 0, 0, 0]).is_none(), "length past the end");
        assert_eq!(record_prefix(record), Some("a2c"));
    }
}
