//! Helpers shared by the integration tests (each test crate uses a subset).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A fresh directory under the system temp dir, removed when dropped: a `tempfile::TempDir`
/// whose name carries the test's tag (`refresh-sim-test-{tag}-XXXXXX`).
pub struct TempDir(tempfile::TempDir);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = tempfile::Builder::new()
            .prefix(&format!("refresh-sim-test-{tag}-"))
            .tempdir()
            .expect("a temporary directory");
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        self.0.path()
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.path().join(p)
    }
}
