//! Reading CloudTrail log files (`.json` and `.json.gz`) and definition YAML from directory
//! trees, the only file access of this crate; everything else works on text.

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

/// Every YAML document in the `.yaml`/`.yml` files under `dir` (definition files), as JSON values.
pub fn read_definition_documents(dir: &Path) -> Result<Vec<serde_json::Value>, CloudTrailError> {
    Ok(read_definition_files(dir)?
        .into_iter()
        .flat_map(|file| file.documents)
        .collect())
}

/// One definition file: its path, text and YAML documents.
#[derive(Debug, Clone)]
pub struct DefinitionFile {
    pub path: PathBuf,
    pub text: String,
    pub documents: Vec<serde_json::Value>,
}

/// The `.yaml`/`.yml` files under `dir`, sorted by path, with their documents.
pub fn read_definition_files(dir: &Path) -> Result<Vec<DefinitionFile>, CloudTrailError> {
    let mut paths = Vec::new();
    collect(dir, &mut paths, &|name| {
        name.ends_with(".yaml") || name.ends_with(".yml")
    })?;
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let text = read_text(&path)?;
        let parsed: Vec<serde_json::Value> =
            serde_saphyr::from_multiple(&text).map_err(|err| CloudTrailError::Json {
                path: path.clone(),
                line: err
                    .location()
                    .map_or(0, |l| usize::try_from(l.line()).unwrap_or_default()),
                column: err
                    .location()
                    .map_or(0, |l| usize::try_from(l.column()).unwrap_or_default()),
                message: err.to_string(),
            })?;
        let documents = parsed
            .into_iter()
            .filter(|document| !document.is_null())
            .collect();
        files.push(DefinitionFile {
            path,
            text,
            documents,
        });
    }
    Ok(files)
}
