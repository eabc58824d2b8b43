//! The features written to and read from a file (the review's ranking
//! cache, `pipeline::ranking_cache`): every list little-endian with its
//! length first; read back checked, never trusted.

use super::Features;

/// Write `xs` as little-endian bytes.
fn put<T: bytemuck::Pod>(w: &mut impl std::io::Write, xs: &[T]) -> std::io::Result<()> {
    w.write_all(&(xs.len() as u64).to_le_bytes())?;
    w.write_all(bytemuck::cast_slice(xs))
}

/// Read what [`put`] wrote, refusing a length over `max`.
fn get<T: bytemuck::Pod + Default + Clone>(
    r: &mut impl std::io::Read,
    max: u64,
) -> std::io::Result<Vec<T>> {
    let mut n = [0u8; 8];
    r.read_exact(&mut n)?;
    let n = u64::from_le_bytes(n);
    if n > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("a list of {n} items where at most {max} fit"),
        ));
    }
    let mut v = vec![T::default(); n as usize];
    r.read_exact(bytemuck::cast_slice_mut(&mut v))?;
    Ok(v)
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

impl Features {
    /// Write the features (without the column copy, which is rebuilt when
    /// they are read): what a review keeps so that a session opens without
    /// reading every record again.
    pub fn write_to(&self, w: &mut impl std::io::Write) -> std::io::Result<()> {
        if cfg!(target_endian = "big") {
            return Err(bad(
                "the features cache is written on little-endian machines only",
            ));
        }
        put(w, &[self.shared as u64, self.dim as u64])?;
        let start: Vec<u64> = self.start.iter().map(|x| *x as u64).collect();
        put(w, &start)?;
        put(w, &self.idx)?;
        put(w, &self.tf)?;
        let mut big: Vec<[u32; 2]> = self.tf_big.iter().map(|(k, v)| [*k, *v]).collect();
        big.sort_unstable();
        put(w, &big)?;
        put(w, &self.norm)?;
        put(w, &self.own_sum)?;
        put(w, &self.own_sq)?;
        put(w, &self.idf)
    }

    /// Read features [`Features::write_to`] wrote, each part checked (a
    /// damaged file is an error, never a wrong ranking): rows that end in
    /// order inside the weights, feature ids below the shared count.
    /// `bytes` (the file's length) bounds every list.
    pub fn read_from(r: &mut impl std::io::Read, bytes: u64) -> std::io::Result<Features> {
        if cfg!(target_endian = "big") {
            return Err(bad(
                "the features cache is read on little-endian machines only",
            ));
        }
        let head: Vec<u64> = get(r, 2)?;
        let (shared, dim) = match head.as_slice() {
            [s, d] if s <= d => (*s as usize, *d as usize),
            _ => return Err(bad("a features cache without its sizes")),
        };
        let start: Vec<u64> = get(r, bytes / 8)?;
        let idx: Vec<u32> = get(r, bytes / 4)?;
        let tf: Vec<u8> = get(r, bytes)?;
        let big: Vec<[u32; 2]> = get(r, bytes / 8)?;
        let norm: Vec<f32> = get(r, bytes / 4)?;
        let own_sum: Vec<f32> = get(r, bytes / 4)?;
        let own_sq: Vec<f32> = get(r, bytes / 4)?;
        let idf: Vec<f32> = get(r, bytes / 4)?;
        let rows = norm.len();
        let ordered = start.first() == Some(&0)
            && start.windows(2).all(|w| matches!(w, [a, b] if a <= b))
            && start.last().copied() == Some(idx.len() as u64);
        if start.len() != rows + 1
            || own_sum.len() != rows
            || own_sq.len() != rows
            || tf.len() != idx.len()
            || idf.len() != shared
            || !ordered
            || idx.iter().any(|i| *i as usize >= shared)
        {
            return Err(bad("a features cache whose parts do not fit together"));
        }
        let mut f = Features {
            start: start.into_iter().map(|x| x as usize).collect(),
            idx,
            tf,
            tf_big: big.into_iter().map(|[k, v]| (k, v)).collect(),
            norm,
            idf,
            sub: (0..255u32).map(|c| 1.0 + (c as f32).ln()).collect(),
            own_sum,
            own_sq,
            shared,
            dim,
            ..Features::default()
        };
        f.index_columns();
        Ok(f)
    }
}
