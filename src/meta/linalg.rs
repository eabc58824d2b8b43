//! Weighted least squares for the few-column designs of meta-analysis:
//! O(k·p²) time and O(k + p²) memory, never a k×k matrix.
//!
//! Also the traces metafor computes from its k×k projection matrix
//! P = W − W X (X'WX)⁻¹ X' W, by closed forms in k-vectors and p×p matrices.

/// A k×p design matrix, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Design {
    /// Rows (studies).
    pub k: usize,
    /// Columns (coefficients).
    pub p: usize,
    /// Row-major entries.
    pub x: Vec<f64>,
}

impl Design {
    /// The intercept-only design.
    pub fn intercept(k: usize) -> Design {
        Design {
            k,
            p: 1,
            x: vec![1.0; k],
        }
    }

    /// Row i.
    pub fn row(&self, i: usize) -> &[f64] {
        self.x.get(i * self.p..(i + 1) * self.p).unwrap_or(&[])
    }

    /// Keep only the rows for which `keep` is true.
    pub fn select(&self, keep: &[bool]) -> Design {
        let mut x = Vec::new();
        let mut k = 0;
        for (i, &kp) in keep.iter().enumerate().take(self.k) {
            if kp {
                x.extend_from_slice(self.row(i));
                k += 1;
            }
        }
        Design { k, p: self.p, x }
    }
}

/// Invert a p×p matrix (Gauss–Jordan, partial pivoting). None if singular.
pub fn invert(p: usize, m: &[f64]) -> Option<Vec<f64>> {
    let mut a = m.to_vec();
    let mut inv = vec![0.0; p * p];
    for i in 0..p {
        *inv.get_mut(i * p + i)? = 1.0;
    }
    let scale = m
        .iter()
        .fold(0.0f64, |s, v| s.max(v.abs()))
        .max(f64::MIN_POSITIVE);
    for col in 0..p {
        let mut piv = col;
        for r in col + 1..p {
            if a.get(r * p + col)?.abs() > a.get(piv * p + col)?.abs() {
                piv = r;
            }
        }
        let pv = *a.get(piv * p + col)?;
        if pv.abs() <= scale * 1e-13 {
            return None;
        }
        if piv != col {
            for c in 0..p {
                a.swap(piv * p + c, col * p + c);
                inv.swap(piv * p + c, col * p + c);
            }
        }
        for c in 0..p {
            *a.get_mut(col * p + c)? /= pv;
            *inv.get_mut(col * p + c)? /= pv;
        }
        for r in 0..p {
            if r != col {
                let f = *a.get(r * p + col)?;
                if f != 0.0 {
                    for c in 0..p {
                        let (ac, ic) = (*a.get(col * p + c)?, *inv.get(col * p + c)?);
                        *a.get_mut(r * p + c)? -= f * ac;
                        *inv.get_mut(r * p + c)? -= f * ic;
                    }
                }
            }
        }
    }
    Some(inv)
}

/// x' A x for a p-vector and p×p matrix.
pub fn quad(p: usize, a: &[f64], x: &[f64]) -> f64 {
    let mut s = 0.0;
    for (i, xi) in x.iter().enumerate().take(p) {
        for (j, xj) in x.iter().enumerate().take(p) {
            s += xi * a.get(i * p + j).copied().unwrap_or(0.0) * xj;
        }
    }
    s
}

/// tr(A B A C) for p×p matrices.
fn tr_abac(p: usize, a: &[f64], b: &[f64], c: &[f64]) -> f64 {
    let mul = |x: &[f64], y: &[f64]| {
        let mut o = vec![0.0; p * p];
        for i in 0..p {
            for j in 0..p {
                let mut s = 0.0;
                for l in 0..p {
                    s += x.get(i * p + l).copied().unwrap_or(0.0)
                        * y.get(l * p + j).copied().unwrap_or(0.0);
                }
                if let Some(v) = o.get_mut(i * p + j) {
                    *v = s;
                }
            }
        }
        o
    };
    let ab = mul(a, b);
    let ac = mul(a, c);
    let m = mul(&ab, &ac);
    (0..p)
        .map(|i| m.get(i * p + i).copied().unwrap_or(0.0))
        .sum()
}

/// A weighted least-squares fit and the pieces of P it needs.
#[derive(Debug, Clone)]
pub struct Wls {
    /// Coefficients.
    pub b: Vec<f64>,
    /// (X'WX)⁻¹.
    pub a: Vec<f64>,
    /// Leverages x_i' A x_i.
    pub h: Vec<f64>,
    /// Residuals y − Xb.
    pub e: Vec<f64>,
    /// Weights.
    pub w: Vec<f64>,
    /// Σ w e² = Y'PY.
    pub rss: f64,
    /// Σ w.
    pub sw: f64,
}

/// Fit y on X with weights w; None if X'WX is singular.
pub fn wls(y: &[f64], d: &Design, w: &[f64]) -> Option<Wls> {
    let p = d.p;
    let mut xtwx = vec![0.0; p * p];
    let mut xtwy = vec![0.0; p];
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate().take(d.k) {
        let r = d.row(i);
        for (j, &xj) in r.iter().enumerate() {
            *xtwy.get_mut(j)? += wi * xj * yi;
            for (l, &xl) in r.iter().enumerate() {
                *xtwx.get_mut(j * p + l)? += wi * xj * xl;
            }
        }
    }
    let a = invert(p, &xtwx)?;
    let b: Vec<f64> = (0..p)
        .map(|j| {
            (0..p)
                .map(|l| {
                    a.get(j * p + l).copied().unwrap_or(0.0) * xtwy.get(l).copied().unwrap_or(0.0)
                })
                .sum()
        })
        .collect();
    let mut e = Vec::with_capacity(d.k);
    let mut h = Vec::with_capacity(d.k);
    let mut rss = 0.0;
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate().take(d.k) {
        let r = d.row(i);
        let fit: f64 = r.iter().zip(&b).map(|(x, c)| x * c).sum();
        let ei = yi - fit;
        rss += wi * ei * ei;
        e.push(ei);
        h.push(quad(p, &a, r));
    }
    Some(Wls {
        b,
        a,
        h,
        e,
        w: w.to_vec(),
        rss,
        sw: w.iter().sum(),
    })
}

impl Wls {
    /// Σ_i w_i² a_i x_i x_i' as a p×p matrix.
    fn m(&self, d: &Design, a: Option<&[f64]>) -> Vec<f64> {
        let p = d.p;
        let mut m = vec![0.0; p * p];
        for i in 0..d.k {
            let wi = self.w.get(i).copied().unwrap_or(0.0);
            let s = wi * wi * a.and_then(|a| a.get(i).copied()).unwrap_or(1.0);
            let r = d.row(i);
            for (j, xj) in r.iter().enumerate() {
                for (l, xl) in r.iter().enumerate() {
                    if let Some(v) = m.get_mut(j * p + l) {
                        *v += s * xj * xl;
                    }
                }
            }
        }
        m
    }

    /// tr(P).
    pub fn tr_p(&self) -> f64 {
        let t: f64 = self.w.iter().zip(&self.h).map(|(w, h)| w * w * h).sum();
        self.sw - t
    }

    /// Σ_ij P_ij² a_i b_j (a, b default to 1): sum(P*P), tr(PVPV), sum(PV*P).
    pub fn sum_pp(&self, d: &Design, a: Option<&[f64]>, b: Option<&[f64]>) -> f64 {
        let get = |v: Option<&[f64]>, i: usize| v.and_then(|v| v.get(i).copied()).unwrap_or(1.0);
        let mut s1 = 0.0;
        let mut s2 = 0.0;
        for (i, (w, h)) in self.w.iter().zip(&self.h).enumerate() {
            let ab = get(a, i) * get(b, i);
            s1 += w * w * ab;
            s2 += w * w * w * h * ab;
        }
        let ma = self.m(d, a);
        let mb = self.m(d, b);
        s1 - 2.0 * s2 + tr_abac(d.p, &self.a, &mb, &ma)
    }

    /// Y'PPY = Σ w² e².
    pub fn ypp_y(&self) -> f64 {
        self.w.iter().zip(&self.e).map(|(w, e)| w * w * e * e).sum()
    }

    /// Σ w².
    pub fn sw2(&self) -> f64 {
        self.w.iter().map(|w| w * w).sum()
    }
}
