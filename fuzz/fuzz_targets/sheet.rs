//! Fuzz target: any bytes as an effect-size sheet, read, turned into effect
//! sizes and pooled (REML with Knapp–Hartung, DL with z) as `lacuna pool`
//! does: an error or a result, never a panic.
//! Run: `cd fuzz && RUSTC_BOOTSTRAP=1 cargo fuzz run sheet`.

#![no_main]

use lacuna::extract::{escalc, table::read_sheet, Correction, Extracted};
use lacuna::meta::analysis::{analyse, Request};
use lacuna::meta::{Method, Options, Test};
use lacuna::model::Measure;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let measure = match data.first().map(|b| b % 4) {
        Some(0) => Measure::Rr,
        Some(1) => Measure::Smd,
        Some(2) => Measure::Or,
        _ => Measure::Gen,
    };
    let Ok(sheet) = read_sheet(data.get(1..).unwrap_or(&[]), measure) else {
        return;
    };
    let Ok(out) = escalc(measure, &sheet.rows, &Correction::default()) else {
        return;
    };
    let mut es = Vec::new();
    let mut labels = Vec::new();
    for (e, l) in out.into_iter().zip(&sheet.labels) {
        if let Extracted::Effect(e) = e {
            es.push(e);
            labels.push(l.clone());
        }
    }
    for (method, test) in [(Method::REML, Test::Knha), (Method::DL, Test::Z)] {
        let opts = Options {
            method,
            test,
            ..Options::default()
        };
        let req = Request {
            leave1out: true,
            egger: true,
            trimfill: true,
            ..Request::default()
        };
        let _ = analyse(measure, &labels, &es, &opts, &req);
    }
});
