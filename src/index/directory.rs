//! The directory the indexer writes through: tantivy's `MmapDirectory`, except that files are
//! mapped here, so the pages a merge reads can be handed back.
//!
//! Merging reads whole segments through memory maps (tantivy copies a segment's doc store in
//! one read), and every page touched stays in the process's resident set until the segment is
//! dropped: 1.7 GB of a million-article run's peak. Those pages are the kernel's page cache,
//! which keeps them either way; only their mapping into this process is let go. A watcher
//! thread reads the process's file-backed resident size every few milliseconds and, once it
//! passes [`RELEASE_ABOVE_BYTES`], unmaps the resident pages of every open file
//! (`MADV_DONTNEED`); a later read faults them back in from the cache.

use std::collections::HashMap;
use std::fs::File;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use memmap2::Mmap;
use stable_deref_trait::StableDeref;
use tantivy::directory::error::{
    DeleteError, LockError, OpenDirectoryError, OpenReadError, OpenWriteError,
};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, MmapDirectory, OwnedBytes, WatchCallback,
    WatchHandle, WritePtr,
};

/// File-backed resident memory the process may hold before mapped pages are released.
pub const RELEASE_ABOVE_BYTES: u64 = 64 << 20;
/// How often the watcher looks: a merge reads a few hundred MB a second, so at most tens of
/// MB pile up between looks.
const WATCH_EVERY: Duration = Duration::from_millis(20);

/// An index folder whose read mappings are released as they grow; see the module doc.
#[derive(Clone)]
pub struct ReleasingDirectory {
    root: PathBuf,
    inner: MmapDirectory,
    maps: Arc<Maps>,
}

/// The files mapped so far, by path; one mapping per file, as `MmapDirectory` keeps.
#[derive(Default)]
struct Maps {
    open: Mutex<HashMap<PathBuf, Weak<Mmap>>>,
}

impl ReleasingDirectory {
    /// Opens `path` (which must exist) and starts the watcher, which ends with the last clone.
    pub fn open(path: &Path) -> Result<ReleasingDirectory, OpenDirectoryError> {
        let inner = MmapDirectory::open(path)?;
        let maps = Arc::new(Maps::default());
        watch(Arc::downgrade(&maps));
        Ok(ReleasingDirectory {
            root: path.to_path_buf(),
            inner,
            maps,
        })
    }
}

impl Maps {
    fn map(&self, path: &Path) -> Result<OwnedBytes, OpenReadError> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(mmap) = open.get(path).and_then(Weak::upgrade) {
            return Ok(OwnedBytes::new(Mapped(mmap)));
        }
        let wrap = |e: std::io::Error| OpenReadError::wrap_io_error(e, path.to_path_buf());
        let file = File::open(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => OpenReadError::FileDoesNotExist(path.to_path_buf()),
            _ => wrap(e),
        })?;
        if file.metadata().map_err(wrap)?.len() == 0 {
            return Ok(OwnedBytes::empty()); // an empty file cannot be mapped
        }
        // SAFETY: tantivy never changes a file once written; the index lock keeps other
        // newsdex writers out.
        let mmap = Arc::new(unsafe { Mmap::map(&file) }.map_err(wrap)?);
        open.retain(|_, m| m.strong_count() > 0);
        open.insert(path.to_path_buf(), Arc::downgrade(&mmap));
        Ok(OwnedBytes::new(Mapped(mmap)))
    }

    /// Unmaps the resident pages of every open file.
    #[cfg(unix)]
    fn release(&self) {
        let live: Vec<Arc<Mmap>> = {
            let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
            open.values().filter_map(Weak::upgrade).collect()
        };
        for mmap in live {
            // SAFETY: the maps are shared and read-only, so dropping their pages loses
            // nothing: the next read maps the same bytes back from the page cache.
            let _ = unsafe { mmap.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

/// Starts the thread that releases mapped pages; it stops once `maps` is gone.
fn watch(maps: Weak<Maps>) {
    let spawned = std::thread::Builder::new()
        .name("newsdex-release".into())
        .spawn(move || {
            while let Some(maps) = maps.upgrade() {
                #[cfg(unix)]
                if file_resident_bytes().is_some_and(|b| b > RELEASE_ABOVE_BYTES) {
                    maps.release();
                }
                drop(maps);
                std::thread::sleep(WATCH_EVERY);
            }
        });
    // Without the thread the index is still right, only its pages stay mapped longer.
    drop(spawned);
}

/// The process's resident file-backed and shared memory, where the system says (Linux).
#[cfg(unix)]
fn file_resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let shared_pages: u64 = statm.split_whitespace().nth(2)?.parse().ok()?;
    // SAFETY: sysconf only reads a system constant.
    let page_bytes = u64::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
    Some(shared_pages * page_bytes)
}

/// A shared mapping as the bytes tantivy reads.
struct Mapped(Arc<Mmap>);

impl Deref for Mapped {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

// SAFETY: the bytes live in the mapping, which the `Arc` keeps in place while this exists.
unsafe impl StableDeref for Mapped {}

impl std::fmt::Debug for ReleasingDirectory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReleasingDirectory({:?})", self.inner)
    }
}

impl Directory for ReleasingDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        Ok(Arc::new(self.maps.map(&self.root.join(path))?))
    }
    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.inner.delete(path)
    }
    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.inner.exists(path)
    }
    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.inner.open_write(path)
    }
    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.inner.atomic_read(path)
    }
    fn atomic_write(&self, path: &Path, data: &[u8]) -> std::io::Result<()> {
        self.inner.atomic_write(path, data)
    }
    fn sync_directory(&self) -> std::io::Result<()> {
        self.inner.sync_directory()
    }
    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        self.inner.acquire_lock(lock)
    }
    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.inner.watch(callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(directory: &ReleasingDirectory, name: &str) -> OwnedBytes {
        directory
            .open_read(Path::new(name))
            .unwrap()
            .read_bytes()
            .unwrap()
    }

    #[cfg(target_os = "linux")]
    /// The resident bytes of the mapping that holds `address`, from `/proc/self/smaps`.
    fn resident_bytes_of_mapping(address: usize) -> Option<u64> {
        let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
        let mut inside = false;
        for line in smaps.lines() {
            let first = line.split_whitespace().next().unwrap_or("");
            if let Some((start, end)) = first.split_once('-') {
                if let (Ok(start), Ok(end)) = (
                    usize::from_str_radix(start, 16),
                    usize::from_str_radix(end, 16),
                ) {
                    inside = (start..end).contains(&address);
                    continue;
                }
            }
            if inside {
                if let Some(kb) = line.strip_prefix("Rss:") {
                    return kb
                        .trim()
                        .trim_end_matches(" kB")
                        .parse::<u64>()
                        .ok()
                        .map(|k| k * 1024);
                }
            }
        }
        None
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn released_pages_leave_the_process_and_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let data: Vec<u8> = (0..4_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(dir.path().join("data.bin"), &data).unwrap();
        let directory = ReleasingDirectory::open(dir.path()).unwrap();
        let bytes = read(&directory, "data.bin");
        assert_eq!(bytes.as_slice(), &data[..]);
        let address = bytes.as_slice().as_ptr() as usize;
        // Touch every page again just before smaps is read: on a busy machine the kernel may
        // already have reclaimed some of the pages the comparison above read. A quarter
        // resident is enough to show that the release below is what empties the mapping.
        let touched: u64 = bytes
            .as_slice()
            .iter()
            .step_by(4096)
            .map(|&b| u64::from(b))
            .sum();
        std::hint::black_box(touched);
        let resident = resident_bytes_of_mapping(address).expect("smaps lists the mapping");
        assert!(resident >= 1_000_000, "read pages are mapped: {resident}");
        directory.maps.release();
        assert_eq!(resident_bytes_of_mapping(address), Some(0));
        assert_eq!(bytes.as_slice(), &data[..]);
    }

    #[test]
    fn files_are_mapped_once_and_missing_or_empty_files_answer_as_tantivy_expects() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), b"abc").unwrap();
        std::fs::write(dir.path().join("empty"), b"").unwrap();
        let directory = ReleasingDirectory::open(dir.path()).unwrap();
        let first = read(&directory, "a");
        let again = read(&directory, "a");
        assert_eq!(first.as_slice().as_ptr(), again.as_slice().as_ptr());
        let empty = directory.open_read(Path::new("empty")).unwrap();
        assert!(empty.read_bytes().unwrap().is_empty());
        assert!(matches!(
            directory.open_read(Path::new("missing")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
