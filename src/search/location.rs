//! Where the index lives: generations under the index folder, and a `CURRENT` file naming
//! the live one, replaced atomically so a rebuilt index swaps in while readers keep going.

use std::path::{Path, PathBuf};

/// The index folder (`DATA_DIR/index`).
#[derive(Debug, Clone)]
pub struct IndexLocation {
    root: PathBuf,
}

impl IndexLocation {
    /// The index folder; nothing is created until an index is built.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        IndexLocation { root: root.into() }
    }

    /// The live generation's folder, if one was published.
    pub fn current(&self) -> Option<PathBuf> {
        let name = std::fs::read_to_string(self.root.join("CURRENT")).ok()?;
        let name = name.trim();
        (!name.is_empty() && !name.contains(['/', '\\'])).then(|| self.root.join(name))
    }

    /// A fresh folder for a new generation.
    pub fn new_generation(&self) -> PathBuf {
        let stamp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
        self.root.join(format!("gen-{stamp}-{:08x}", rand::random::<u32>()))
    }

    /// Makes `generation` the live one (rename is atomic), then removes generations other
    /// than it and `keep`, the one a running process may still read.
    pub fn publish(&self, generation: &Path, keep: Option<&Path>) -> std::io::Result<()> {
        let name = generation.file_name().and_then(|name| name.to_str()).unwrap_or_default();
        let temporary = self.root.join(format!("CURRENT.{:08x}", rand::random::<u32>()));
        std::fs::write(&temporary, name)?;
        std::fs::rename(&temporary, self.root.join("CURRENT"))?;
        for entry in std::fs::read_dir(&self.root)?.flatten() {
            let path = entry.path();
            let is_generation =
                path.file_name().and_then(|name| name.to_str()).is_some_and(|name| name.starts_with("gen-"));
            if is_generation && path != generation && Some(path.as_path()) != keep {
                if let Err(error) = std::fs::remove_dir_all(&path) {
                    tracing::warn!(%error, path = %path.display(), "could not remove an old index generation");
                }
            }
        }
        Ok(())
    }

    /// Removes one generation (best effort).
    pub fn remove(&self, generation: &Path) {
        if generation.starts_with(&self.root) {
            let _ = std::fs::remove_dir_all(generation);
        }
    }
}
