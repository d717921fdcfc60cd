//! Walking archive directories: sorted, hidden files and folders skipped, errors reported.

use std::path::PathBuf;

use walkdir::{DirEntry, WalkDir};

use super::{Issue, IssueKind};

/// Every regular file under the roots (a root may itself be a file), in sorted order, and an
/// issue for each path that could not be walked.
pub fn walk(roots: &[PathBuf]) -> (Vec<PathBuf>, Vec<Issue>) {
    let mut files = Vec::new();
    let mut issues = Vec::new();
    for root in roots {
        if !root.exists() {
            issues.push(Issue::new(
                root.display().to_string(),
                IssueKind::Unreadable,
                "no such file or directory",
            ));
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| e.depth() == 0 || !is_hidden(e));
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_file() => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => {
                    let path = e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| root.display().to_string());
                    let detail = e
                        .io_error()
                        .map(|io| io.to_string())
                        .unwrap_or_else(|| e.to_string());
                    issues.push(Issue::new(path, IssueKind::Unreadable, detail));
                }
            }
        }
    }
    (files, issues)
}

fn is_hidden(entry: &DirEntry) -> bool {
    entry
        .file_name()
        .to_str()
        .is_some_and(|s| s.starts_with('.'))
}
