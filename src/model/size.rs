//! How much memory a [`Record`] holds, roughly: what the import pipeline
//! bounds between its threads. Pure arithmetic over the record's strings.

use super::Record;

impl Record {
    /// About how many bytes of memory the record holds (its text and the
    /// string headers): for bounding what is in flight between threads, and
    /// for sizing a buffer its JSON goes into.
    ///
    /// ```
    /// let r = lacuna::model::Record { title: "x".repeat(1000), ..Default::default() };
    /// assert!(r.approx_bytes() >= 1000);
    /// ```
    pub fn approx_bytes(&self) -> usize {
        let r = self;
        const STRING: usize = 32;
        let o = |s: &Option<String>| s.as_ref().map_or(0, |s| s.len() + STRING);
        let l = |v: &Vec<String>| v.iter().map(|s| s.len() + STRING).sum::<usize>();
        let mut n = 512 + r.title.len() + o(&r.abstract_text);
        n += r
            .abstract_sections
            .iter()
            .map(|s| s.text.len() + o(&s.label) + o(&s.nlm_category) + 3 * STRING)
            .sum::<usize>();
        n += r
            .other_abstracts
            .iter()
            .map(|s| s.text.len() + 3 * STRING)
            .sum::<usize>();
        for s in [
            &r.source_id,
            &r.pmcid,
            &r.vernacular_title,
            &r.journal,
            &r.journal_iso,
            &r.issn,
            &r.book_title,
            &r.volume,
            &r.issue,
            &r.pages,
            &r.pub_date,
            &r.date_revised,
        ] {
            n += o(s);
        }
        for v in [
            &r.authors,
            &r.language,
            &r.publication_types,
            &r.mesh,
            &r.mesh_major,
            &r.keywords,
        ] {
            n += l(v);
        }
        n += r
            .mesh_headings
            .iter()
            .map(|h| h.name.len() + 2 * STRING + h.qualifiers.len() * 3 * STRING)
            .sum::<usize>();
        n + r.corrections.len() * 4 * STRING
    }
}
