//! Issue 29: the team session in the library, and what its seam let
//! through — a resolution without a conflict, the login cookie, the
//! server's own early replies, and a server that follows the store.

use crate::support::{demo_imported, lacuna, stderr, stdout};
use crate::web::{start, token};
use crate::web_team::{get, keep_protocol, post};
use serde_json::json;

fn decisions_stored(dir: &std::path::Path) -> u64 {
    let o = lacuna(&[&"stats", &dir, &"--json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("stats json");
    v["decisions"].as_u64().expect("decisions")
}

#[test]
fn issue_29_a_resolution_without_an_open_conflict_is_refused_on_both_front_ends() {
    let (_t, dir) = demo_imported();
    keep_protocol(&dir, true);
    let ana = token(&dir, "ana");
    let ben = token(&dir, "ben");
    let server = start(&dir);
    let a = server.addr;
    // ana holds x; ben tries to settle it alone, before anyone voted
    let x = get(a, "/api/next", &ana)["key"]
        .as_str()
        .expect("key")
        .to_string();
    let (s, v) = post(
        a,
        "/api/conflicts/resolve",
        &ben,
        &json!({"record": x, "label": "exclude"}),
    );
    assert_eq!(s, 409, "{v}");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("no open conflict") && e.contains("--agreement")),
        "{v}"
    );
    // nothing stored, and x is still in the other reviewer's queue
    assert_eq!(decisions_stored(&dir), 0);
    assert_eq!(get(a, "/api/next", &ana)["key"], x.as_str());
    // one vote is not a conflict either
    let (s, v) = post(
        a,
        "/api/decisions",
        &ana,
        &json!({"record": x, "label": "include"}),
    );
    assert_eq!(s, 200, "{v}");
    let (s, v) = post(
        a,
        "/api/conflicts/resolve",
        &ana,
        &json!({"record": x, "label": "include"}),
    );
    assert_eq!(s, 409, "{v}");
    // ben still gets x: each record goes to two reviewers
    assert_eq!(get(a, "/api/next", &ben)["key"], x.as_str());
    drop(server);

    // the command line: a clear error, the "not ready" exit code 7, nothing stored
    let o = lacuna(&[
        &"decide",
        &dir,
        &x,
        &"--label",
        &"exclude",
        &"--resolve",
        &"--reviewer",
        &"ben",
    ]);
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert!(stderr(&o).contains("no open conflict"), "{}", stderr(&o));
    assert_eq!(decisions_stored(&dir), 1);
    // with a conflict the resolution is taken, once
    let o = lacuna(&[
        &"decide",
        &dir,
        &x,
        &"--label",
        &"exclude",
        &"--reviewer",
        &"ben",
        &"-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let resolve = [
        &"decide" as &dyn AsRef<std::ffi::OsStr>,
        &dir,
        &x,
        &"--label",
        &"include",
        &"--resolve",
        &"--reviewer",
        &"cara",
        &"-q",
    ];
    let o = lacuna(&resolve);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = lacuna(&resolve);
    assert_eq!(o.status.code(), Some(7), "resolved already: {}", stderr(&o));
    assert_eq!(decisions_stored(&dir), 3);
    // a vote given after the resolution opens the conflict again, and the
    // server takes a resolution of it
    let o = lacuna(&[
        &"decide",
        &dir,
        &x,
        &"--label",
        &"include",
        &"--reviewer",
        &"ana",
        &"-q",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let server = start(&dir);
    let (s, v) = post(
        server.addr,
        "/api/conflicts/resolve",
        &ben,
        &json!({"record": x, "label": "exclude"}),
    );
    assert_eq!(s, 200, "{v}");
}
