//! The IAM credential report, parsed: one row per user plus the root user's row.
//!
//! Columns and their special values (`N/A`, `not_supported`, `no_information`):
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html
//! Those values become `None`; timestamps are normalized to RFC 3339 UTC at whole seconds.

use serde::{Deserialize, Serialize};

use crate::err::LiveError;
use crate::timestamp;

/// The `user` value of the root user's row.
pub const ROOT_USER: &str = "<root_account>";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReport {
    /// When IAM generated the report (`GeneratedTime`).
    pub generated: Option<String>,
    /// In the report's order; the root user's row included.
    pub rows: Vec<CredentialReportRow>,
}

impl CredentialReport {
    /// The root user's row, if the report has one.
    pub fn root(&self) -> Option<&CredentialReportRow> {
        self.rows.iter().find(|row| row.is_root())
    }

    /// The row of the IAM user `name`.
    pub fn user(&self, name: &str) -> Option<&CredentialReportRow> {
        self.rows
            .iter()
            .find(|row| !row.is_root() && row.user == name)
    }

    /// Parses the report's CSV text (already base64-decoded).
    pub fn parse_csv(text: &str, generated: Option<String>) -> Result<CredentialReport, LiveError> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.is_empty());
        let Some((_, header)) = lines.next() else {
            return Err(LiveError::EmptyReport);
        };
        let columns = Columns::new(&split_csv(header))?;
        let mut rows = Vec::new();
        for (index, line) in lines {
            let fields = split_csv(line);
            rows.push(columns.row(&fields).map_err(|message| LiveError::BadRow {
                line: index + 1,
                message,
            })?);
        }
        Ok(CredentialReport { generated, rows })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReportRow {
    /// The user name, or [`ROOT_USER`].
    pub user: String,
    pub arn: String,
    pub user_creation_time: Option<String>,
    /// `None` for the root user (`not_supported`).
    pub password_enabled: Option<bool>,
    pub password_last_used: Option<String>,
    pub password_last_changed: Option<String>,
    pub password_next_rotation: Option<String>,
    pub mfa_active: bool,
    /// Key slots 1 and 2.
    pub access_keys: [ReportAccessKey; 2],
    /// X.509 signing certificate slots 1 and 2.
    pub certificates: [ReportCertificate; 2],
}

impl CredentialReportRow {
    pub fn is_root(&self) -> bool {
        self.user == ROOT_USER
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportAccessKey {
    pub active: bool,
    pub last_rotated: Option<String>,
    pub last_used_date: Option<String>,
    pub last_used_region: Option<String>,
    pub last_used_service: Option<String>,
}

impl ReportAccessKey {
    /// The slot holds a key (active or not).
    pub fn exists(&self) -> bool {
        self.active || self.last_rotated.is_some()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportCertificate {
    pub active: bool,
    pub last_rotated: Option<String>,
}

/// Column positions, found by name so reordered or added columns still read.
struct Columns {
    user: usize,
    arn: usize,
    user_creation_time: Option<usize>,
    password_enabled: Option<usize>,
    password_last_used: Option<usize>,
    password_last_changed: Option<usize>,
    password_next_rotation: Option<usize>,
    mfa_active: Option<usize>,
    keys: [[Option<usize>; 5]; 2],
    certs: [[Option<usize>; 2]; 2],
}

impl Columns {
    fn new(header: &[String]) -> Result<Columns, LiveError> {
        let find = |name: &str| header.iter().position(|column| column == name);
        let required =
            |column: &'static str| find(column).ok_or(LiveError::MissingColumn { column });
        let key = |slot: u8| {
            [
                "active",
                "last_rotated",
                "last_used_date",
                "last_used_region",
                "last_used_service",
            ]
            .map(|field| find(&format!("access_key_{slot}_{field}")))
        };
        let cert = |slot: u8| {
            ["active", "last_rotated"].map(|field| find(&format!("cert_{slot}_{field}")))
        };
        Ok(Columns {
            user: required("user")?,
            arn: required("arn")?,
            user_creation_time: find("user_creation_time"),
            password_enabled: find("password_enabled"),
            password_last_used: find("password_last_used"),
            password_last_changed: find("password_last_changed"),
            password_next_rotation: find("password_next_rotation"),
            mfa_active: find("mfa_active"),
            keys: [key(1), key(2)],
            certs: [cert(1), cert(2)],
        })
    }

    fn row(&self, fields: &[String]) -> Result<CredentialReportRow, String> {
        let raw = |index: Option<usize>| index.and_then(|i| fields.get(i)).map(String::as_str);
        let text = |index: Option<usize>| raw(index).filter(|v| !is_absent(v)).map(str::to_owned);
        let date = |index: Option<usize>| -> Result<Option<String>, String> {
            match raw(index).filter(|v| !is_absent(v)) {
                None => Ok(None),
                Some(value) => timestamp::normalize(value)
                    .map(Some)
                    .ok_or_else(|| format!("`{value}` is not a timestamp")),
            }
        };
        let flag = |index: Option<usize>| -> Result<Option<bool>, String> {
            match raw(index).filter(|v| !is_absent(v)) {
                None => Ok(None),
                Some("true") => Ok(Some(true)),
                Some("false") => Ok(Some(false)),
                Some(value) => Err(format!("`{value}` is neither true nor false")),
            }
        };
        let user = text(Some(self.user)).ok_or("the user column is empty")?;
        let key = |columns: &[Option<usize>; 5]| -> Result<ReportAccessKey, String> {
            Ok(ReportAccessKey {
                active: flag(columns[0])?.unwrap_or(false),
                last_rotated: date(columns[1])?,
                last_used_date: date(columns[2])?,
                last_used_region: text(columns[3]),
                last_used_service: text(columns[4]),
            })
        };
        let cert = |columns: &[Option<usize>; 2]| -> Result<ReportCertificate, String> {
            Ok(ReportCertificate {
                active: flag(columns[0])?.unwrap_or(false),
                last_rotated: date(columns[1])?,
            })
        };
        Ok(CredentialReportRow {
            user,
            arn: text(Some(self.arn)).unwrap_or_default(),
            user_creation_time: date(self.user_creation_time)?,
            password_enabled: flag(self.password_enabled)?,
            password_last_used: date(self.password_last_used)?,
            password_last_changed: date(self.password_last_changed)?,
            password_next_rotation: date(self.password_next_rotation)?,
            mfa_active: flag(self.mfa_active)?.unwrap_or(false),
            access_keys: [key(&self.keys[0])?, key(&self.keys[1])?],
            certificates: [cert(&self.certs[0])?, cert(&self.certs[1])?],
        })
    }
}

/// The report's markers for "no value".
fn is_absent(value: &str) -> bool {
    matches!(value, "" | "N/A" | "not_supported" | "no_information")
}

/// One CSV line into fields, with RFC 4180 quoting (user names may contain commas).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const REPORT: &str = "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated
<root_account>,arn:aws:iam::111111111111:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-02T03:04:05+00:00,not_supported,not_supported,false,true,2021-05-01T00:00:00+00:00,2026-01-01T00:00:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
\"ops,admin\",arn:aws:iam::111111111111:user/ops,2024-02-03T04:05:06+00:00,true,no_information,2024-02-03T04:05:06+00:00,N/A,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A
";

    #[test]
    fn the_root_row_and_quoted_user_names_parse() {
        let report = CredentialReport::parse_csv(REPORT, None).unwrap_or_default();
        assert_eq!(report.rows.len(), 2);
        let root = report.root().cloned().unwrap_or_default();
        assert!(root.is_root());
        assert_eq!(root.password_enabled, None);
        assert!(!root.mfa_active);
        assert!(root.access_keys[0].active);
        assert!(root.access_keys[0].exists());
        assert!(!root.access_keys[1].exists());
        assert_eq!(root.access_keys[0].last_used_service.as_deref(), Some("s3"));
        assert_eq!(
            root.access_keys[0].last_rotated.as_deref(),
            Some("2021-05-01T00:00:00Z")
        );
        let ops = report.user("ops,admin").cloned().unwrap_or_default();
        assert_eq!(ops.password_enabled, Some(true));
        assert_eq!(ops.password_last_used, None);
        assert!(ops.mfa_active);
    }

    #[test]
    fn a_report_without_the_user_column_is_refused() {
        assert_eq!(
            CredentialReport::parse_csv("arn\nx\n", None),
            Err(LiveError::MissingColumn { column: "user" })
        );
        assert_eq!(
            CredentialReport::parse_csv("", None),
            Err(LiveError::EmptyReport)
        );
        let bad = "user,arn,mfa_active\nbob,arn:aws:iam::111111111111:user/bob,maybe\n";
        assert!(matches!(
            CredentialReport::parse_csv(bad, None),
            Err(LiveError::BadRow { line: 2, .. })
        ));
    }
}
