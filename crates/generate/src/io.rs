//! Reading CloudTrail log files (`.json` and `.json.gz`) from directory trees, the only file
//! access of this crate besides loading definitions through `warden-spec`; everything else
//! works on text.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::cloudtrail::{TrailEvent, parse_log};
use crate::err::CloudTrailError;

/// Every `.json` and `.json.gz` file under `dir`, sorted by path, parsed into events.
pub fn read_trail_dir(dir: &Path) -> Result<Vec<TrailEvent>, CloudTrailError> {
    let mut files = Vec::new();
    collect(dir, &mut files, &|name| {
        name.ends_with(".json") || name.ends_with(".json.gz")
    })?;
    files.sort();
    let mut events = Vec::new();
    for file in files {
        let text = read_text(&file)?;
        events.extend(parse_log(&text, &file)?);
    }
    Ok(events)
}

fn collect(
    dir: &Path,
    files: &mut Vec<PathBuf>,
    wanted: &dyn Fn(&str) -> bool,
) -> Result<(), CloudTrailError> {
    let io_error = |error| CloudTrailError::Io {
        path: dir.to_owned(),
        error,
    };
    for entry in std::fs::read_dir(dir).map_err(io_error)? {
        let path = entry.map_err(io_error)?.path();
        if path.is_dir() {
            collect(&path, files, wanted)?;
        } else if let Some(name) = path.file_name().and_then(|name| name.to_str())
            && wanted(name)
        {
            files.push(path);
        }
    }
    Ok(())
}

fn read_text(path: &Path) -> Result<String, CloudTrailError> {
    let io_error = |error| CloudTrailError::Io {
        path: path.to_owned(),
        error,
    };
    let bytes = std::fs::read(path).map_err(io_error)?;
    if path.extension().is_some_and(|ext| ext == "gz") {
        let mut text = String::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_string(&mut text)
            .map_err(io_error)?;
        Ok(text)
    } else {
        String::from_utf8(bytes)
            .map_err(|err| io_error(std::io::Error::new(std::io::ErrorKind::InvalidData, err)))
    }
}
