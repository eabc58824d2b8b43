//! Documents on their way to tantivy's indexing threads, with the memory they
//! hold counted: tantivy queues up to 10,000 documents whatever their size,
//! so a writer that adds faster than the threads index (records of a few MB
//! of text each) would otherwise fill memory. Adding waits while the queue
//! holds [`QUEUE_BYTES`]; a document gives its bytes back when tantivy has
//! indexed it and lets it go.
//!
//! Only the index writers in [`super::index`] use it; it does no I/O.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tantivy::schema::document::Document;
use tantivy::TantivyDocument;

/// The most memory the documents waiting to be indexed may hold (one
/// document always goes, however large).
pub(crate) const QUEUE_BYTES: usize = 32 << 20;

/// How long an add waits for room at most: a writer whose indexing threads
/// have died never frees any, and its next add reports the failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// The bytes queued for one writer.
#[derive(Debug, Default)]
pub(crate) struct Gauge {
    queued: Mutex<usize>,
    freed: Condvar,
}

impl Gauge {
    /// Wait until `n` more bytes fit in the queue (or the patience runs out), and count them.
    fn take(&self, n: usize) {
        let mut q = self.queued.lock().unwrap_or_else(PoisonError::into_inner);
        let deadline = Instant::now() + PATIENCE;
        while *q > 0 && *q + n > QUEUE_BYTES {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            q = self
                .freed
                .wait_timeout(q, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        *q += n;
    }

    fn give(&self, n: usize) {
        let mut q = self.queued.lock().unwrap_or_else(PoisonError::into_inner);
        *q = q.saturating_sub(n);
        self.freed.notify_all();
    }
}

/// A document counted in a [`Gauge`] until tantivy drops it.
pub(crate) struct Queued {
    doc: TantivyDocument,
    bytes: usize,
    gauge: Arc<Gauge>,
}

impl Queued {
    /// Queue `doc`, about `bytes` of memory, once there is room for it.
    pub(crate) fn new(doc: TantivyDocument, bytes: usize, gauge: &Arc<Gauge>) -> Queued {
        gauge.take(bytes);
        Queued {
            doc,
            bytes,
            gauge: Arc::clone(gauge),
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.gauge.give(self.bytes);
    }
}

impl Document for Queued {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_holds_its_bytes_until_it_is_dropped() {
        let g = Arc::new(Gauge::default());
        let a = Queued::new(TantivyDocument::default(), 10, &g);
        let b = Queued::new(TantivyDocument::default(), 5, &g);
        assert_eq!(*g.queued.lock().expect("lock"), 15);
        drop(a);
        assert_eq!(*g.queued.lock().expect("lock"), 5);
        drop(b);
        assert_eq!(*g.queued.lock().expect("lock"), 0);
    }

    #[test]
    fn an_add_waits_for_room_until_the_indexer_lets_a_document_go() {
        let g = Arc::new(Gauge::default());
        let first = Queued::new(TantivyDocument::default(), QUEUE_BYTES, &g);
        let g2 = Arc::clone(&g);
        let waiter = std::thread::spawn(move || {
            let start = Instant::now();
            let _second = Queued::new(TantivyDocument::default(), 1, &g2);
            start.elapsed()
        });
        std::thread::sleep(Duration::from_millis(200));
        drop(first);
        let waited = waiter.join().expect("join");
        assert!(waited >= Duration::from_millis(150), "{waited:?}");
    }
}
