//! HTML helpers shared by the drift page and the evidence pages: escaping, anchors and the one
//! inline stylesheet (pages are self-contained: no external assets, no JavaScript).

use std::fmt::Write as _;

/// Escapes text for element content and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}

/// An id usable as a fragment: letters, digits, `-` and `_`; anything else becomes `-`.
pub fn anchor(parts: &[&str]) -> String {
    let joined = parts.join("-");
    joined
        .chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '-'
            }
        })
        .collect()
}

pub const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem;color:#1b1f23;line-height:1.45}\
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #d0d7de}h3{font-size:1.1rem}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}\
th{background:#f6f8fa}td.num{text-align:right}code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85rem}\
pre{background:#f6f8fa;padding:.75rem;overflow:auto}.ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}\
.muted{color:#57606a}nav a{margin-right:1rem}details{margin:.5rem 0}summary{cursor:pointer;font-weight:600}\
figure{margin:1rem 0}figcaption{color:#57606a;font-size:.85rem;max-width:52rem}svg.chart{max-width:100%;height:auto;display:block}\
.headline{font-size:1.15rem}";

/// Starts a page: doctype, title, inline style, `<body>`.
pub fn page_start(out: &mut String, title: &str) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(title)
    );
}

pub fn page_end(out: &mut String) {
    out.push_str("</body>\n</html>\n");
}

/// A table row of already-escaped cells.
pub fn row(out: &mut String, cells: &[String]) {
    out.push_str("<tr>");
    for cell in cells {
        let _ = write!(out, "<td>{cell}</td>");
    }
    out.push_str("</tr>\n");
}

/// A header row from plain text.
pub fn header(out: &mut String, cells: &[&str]) {
    out.push_str("<tr>");
    for cell in cells {
        let _ = write!(out, "<th>{}</th>", escape(cell));
    }
    out.push_str("</tr>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn anchors_keep_only_fragment_safe_characters() {
        assert_eq!(
            anchor(&["111122223333", "/ops/", "deploy role"]),
            "111122223333--ops--deploy-role"
        );
    }
}
