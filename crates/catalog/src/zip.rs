//! A minimal reader for one member of a zip archive (a Python wheel): stored or deflated.

use std::io::Read;

use crate::err::ConvertError;

const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const CENTRAL_FILE_HEADER: u32 = 0x0201_4b50;
const LOCAL_FILE_HEADER: u32 = 0x0403_4b50;

/// The bytes of the member named `name`.
pub(crate) fn read_member(archive: &[u8], name: &str) -> Result<Vec<u8>, ConvertError> {
    let end = find_end_of_central_directory(archive)?;
    let entries = usize::from(u16_at(archive, end + 10)?);
    let mut offset =
        usize::try_from(u32_at(archive, end + 16)?).map_err(|_| zip_error("bad offset"))?;
    for _ in 0..entries {
        if u32_at(archive, offset)? != CENTRAL_FILE_HEADER {
            return Err(zip_error("bad central directory entry"));
        }
        let method = u16_at(archive, offset + 10)?;
        let compressed = to_usize(u32_at(archive, offset + 20)?)?;
        let size = to_usize(u32_at(archive, offset + 24)?)?;
        let name_len = usize::from(u16_at(archive, offset + 28)?);
        let extra_len = usize::from(u16_at(archive, offset + 30)?);
        let comment_len = usize::from(u16_at(archive, offset + 32)?);
        let local = to_usize(u32_at(archive, offset + 42)?)?;
        let entry_name = slice(archive, offset + 46, name_len)?;
        if entry_name == name.as_bytes() {
            return extract(archive, local, method, compressed, size);
        }
        offset += 46 + name_len + extra_len + comment_len;
    }
    Err(ConvertError::MissingFile {
        path: name.to_string(),
    })
}

fn extract(
    archive: &[u8],
    local: usize,
    method: u16,
    compressed: usize,
    size: usize,
) -> Result<Vec<u8>, ConvertError> {
    if u32_at(archive, local)? != LOCAL_FILE_HEADER {
        return Err(zip_error("bad local file header"));
    }
    let name_len = usize::from(u16_at(archive, local + 26)?);
    let extra_len = usize::from(u16_at(archive, local + 28)?);
    let data = slice(archive, local + 30 + name_len + extra_len, compressed)?;
    match method {
        0 => Ok(data.to_vec()),
        8 => {
            let mut out = Vec::with_capacity(size);
            flate2::read::DeflateDecoder::new(data)
                .read_to_end(&mut out)
                .map_err(|err| zip_error(&format!("bad deflate data: {err}")))?;
            if out.len() != size {
                return Err(zip_error("member size does not match its header"));
            }
            Ok(out)
        }
        other => Err(zip_error(&format!(
            "unsupported compression method {other}"
        ))),
    }
}

fn find_end_of_central_directory(archive: &[u8]) -> Result<usize, ConvertError> {
    // The record is 22 bytes plus a comment of at most 65,535 bytes, at the very end.
    let earliest = archive.len().saturating_sub(22 + usize::from(u16::MAX));
    (earliest..archive.len().saturating_sub(21))
        .rev()
        .find(|&offset| u32_at(archive, offset).is_ok_and(|sig| sig == END_OF_CENTRAL_DIRECTORY))
        .ok_or_else(|| zip_error("no end of central directory: not a zip archive"))
}

fn slice(archive: &[u8], start: usize, len: usize) -> Result<&[u8], ConvertError> {
    start
        .checked_add(len)
        .and_then(|end| archive.get(start..end))
        .ok_or_else(|| zip_error("entry runs past the end of the archive"))
}

fn u16_at(archive: &[u8], offset: usize) -> Result<u16, ConvertError> {
    let bytes = slice(archive, offset, 2)?;
    Ok(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(archive: &[u8], offset: usize) -> Result<u32, ConvertError> {
    let bytes = slice(archive, offset, 4)?;
    Ok(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn to_usize(value: u32) -> Result<usize, ConvertError> {
    usize::try_from(value).map_err(|_| zip_error("size does not fit"))
}

fn zip_error(message: &str) -> ConvertError {
    ConvertError::Archive {
        message: format!("zip: {message}"),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    /// A zip with one stored and one deflated member, built by hand.
    fn archive() -> Vec<u8> {
        let members: [(&str, &[u8], u16); 2] = [
            ("a.txt", b"stored body", 0),
            (
                "dir/b.json",
                b"{\"deflated\": true, \"deflated again\": true}",
                8,
            ),
        ];
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, body, method) in members {
            let data = if method == 8 {
                let mut encoder =
                    flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(body).unwrap();
                encoder.finish().unwrap()
            } else {
                body.to_vec()
            };
            let local = u32::try_from(out.len()).unwrap();
            let sizes = |buf: &mut Vec<u8>| {
                buf.extend_from_slice(&0u32.to_le_bytes()); // crc, not checked
                buf.extend_from_slice(&u32::try_from(data.len()).unwrap().to_le_bytes());
                buf.extend_from_slice(&u32::try_from(body.len()).unwrap().to_le_bytes());
            };
            out.extend_from_slice(&LOCAL_FILE_HEADER.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            sizes(&mut out);
            out.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&data);

            central.extend_from_slice(&CENTRAL_FILE_HEADER.to_le_bytes());
            central.extend_from_slice(&[20, 0, 20, 0, 0, 0]);
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&[0; 4]);
            sizes(&mut central);
            central.extend_from_slice(&u16::try_from(name.len()).unwrap().to_le_bytes());
            central.extend_from_slice(&[0; 12]);
            central.extend_from_slice(&local.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let central_offset = u32::try_from(out.len()).unwrap();
        let central_len = u32::try_from(central.len()).unwrap();
        out.extend_from_slice(&central);
        out.extend_from_slice(&END_OF_CENTRAL_DIRECTORY.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&2u16.to_le_bytes());
        out.extend_from_slice(&central_len.to_le_bytes());
        out.extend_from_slice(&central_offset.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    #[test]
    fn reads_stored_and_deflated_members() {
        let zip = archive();
        assert_eq!(read_member(&zip, "a.txt").unwrap(), b"stored body");
        assert_eq!(
            read_member(&zip, "dir/b.json").unwrap(),
            b"{\"deflated\": true, \"deflated again\": true}"
        );
        assert!(matches!(
            read_member(&zip, "missing"),
            Err(ConvertError::MissingFile { .. })
        ));
        assert!(read_member(b"not a zip at all, long enough to scan", "a.txt").is_err());
    }
}
