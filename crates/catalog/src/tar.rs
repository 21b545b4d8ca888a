//! A minimal reader for the ustar/pax archives npm publishes (`npm pack`): regular files only.

use std::collections::BTreeMap;

use crate::err::ConvertError;

const BLOCK: usize = 512;

/// Regular files of a tar archive, keyed by path.
pub(crate) fn read_files(archive: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, ConvertError> {
    let mut files = BTreeMap::new();
    let mut offset = 0;
    // Set by a pax `x` header or a GNU `L` entry; applies to the next entry only.
    let mut next_path: Option<String> = None;
    while offset + BLOCK <= archive.len() {
        let header = &archive[offset..offset + BLOCK];
        if header.iter().all(|&byte| byte == 0) {
            break;
        }
        let size = octal(&header[124..136])?;
        let body_start = offset + BLOCK;
        let body_end = body_start
            .checked_add(size)
            .filter(|&end| end <= archive.len())
            .ok_or_else(|| archive_error("entry runs past the end of the archive"))?;
        let body = &archive[body_start..body_end];
        match header[156] {
            b'0' | 0 => {
                let path = match next_path.take() {
                    Some(path) => path,
                    None => header_path(header),
                };
                files.insert(path, body.to_vec());
            }
            b'x' => next_path = pax_path(body).or(next_path),
            b'L' => {
                next_path = Some(text(body));
            }
            // Directories, links, global pax headers: nothing to keep.
            _ => next_path = None,
        }
        offset = body_start + size.div_ceil(BLOCK) * BLOCK;
    }
    Ok(files)
}

fn header_path(header: &[u8]) -> String {
    let name = text(&header[0..100]);
    let is_ustar = &header[257..262] == b"ustar";
    let prefix = if is_ustar {
        text(&header[345..500])
    } else {
        String::new()
    };
    if prefix.is_empty() {
        name
    } else {
        format!("{prefix}/{name}")
    }
}

fn text(field: &[u8]) -> String {
    let end = field
        .iter()
        .position(|&byte| byte == 0)
        .unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

fn octal(field: &[u8]) -> Result<usize, ConvertError> {
    let digits = text(field);
    let digits = digits.trim_matches(|ch: char| ch == ' ' || ch == '\0');
    if digits.is_empty() {
        return Ok(0);
    }
    usize::from_str_radix(digits, 8).map_err(|_| archive_error("bad size field in a tar header"))
}

/// The `path` record of a pax extended header: lines `LEN key=value\n`.
fn pax_path(body: &[u8]) -> Option<String> {
    let records = String::from_utf8_lossy(body);
    records.lines().find_map(|record| {
        let (_, pair) = record.split_once(' ')?;
        pair.strip_prefix("path=").map(str::to_string)
    })
}

fn archive_error(message: &str) -> ConvertError {
    ConvertError::Archive {
        message: message.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
        let mut block = vec![0u8; BLOCK];
        block[..name.len()].copy_from_slice(name.as_bytes());
        let size_field = format!("{size:011o}\0");
        block[124..136].copy_from_slice(size_field.as_bytes());
        block[156] = kind;
        block[257..263].copy_from_slice(b"ustar\0");
        block
    }

    fn entry(name: &str, body: &[u8], kind: u8) -> Vec<u8> {
        let mut bytes = header(name, body.len(), kind);
        bytes.extend_from_slice(body);
        bytes.resize(bytes.len().div_ceil(BLOCK) * BLOCK, 0);
        bytes
    }

    #[test]
    fn reads_files_and_pax_paths() {
        let mut archive = entry("package/a.json", b"{\"a\":1}", b'0');
        archive.extend(entry("package/dir", b"", b'5'));
        archive.extend(entry("pax", b"30 path=package/long/name.json\n", b'x'));
        archive.extend(entry("package/short", b"[]", b'0'));
        archive.extend(vec![0u8; BLOCK * 2]);
        let files = read_files(&archive).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files["package/a.json"], b"{\"a\":1}");
        assert_eq!(files["package/long/name.json"], b"[]");
    }

    #[test]
    fn truncated_entries_are_errors() {
        let mut archive = header("package/a.json", 4096, b'0');
        archive.extend_from_slice(b"short");
        assert!(read_files(&archive).is_err());
    }
}
