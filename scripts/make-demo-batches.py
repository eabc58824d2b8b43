#!/usr/bin/env python3
"""Build the demo's two monthly batches from the demo corpus and the Metapsy
borderline-psychotherapy trials.

Reads corpus/cen-demo.jsonl and corpus/cen-demo-decisions.csv (ours) and the
Metapsy `data-borderline-psyctr` dataset in
$LACUNA_SHARED/corpus-demo/metapsy-borderline/data.csv (third-party: only its
facts and identifiers are carried over: study label, authors, year, title,
journal, group sizes, means, SDs, events; every sentence written here is ours).

Writes into corpus/:
  metapsy-trials.jsonl   a record for every Metapsy trial the corpus lacks
  month-1.jsonl          every record published up to CUTOFF (2021)
  month-2.jsonl          "the next month": the records published after it
  month-3.jsonl          the month after: older papers the databases indexed
                         late, i.e. every fifth corpus record of month 1 (in
                         source-id order) that no effect row names; left
                         unscreened by the demo so that there is screening to
                         try; their labels are in month-3-decisions.csv (for
                         `lacuna simulate` and the tests)
  month-N-decisions.csv  the screening labels of each batch (trials: include)
  month-N-rob.csv        Metapsy's RoB 2 judgements of the batch's trials, per
                         outcome, in robvis's sheet (lacuna rob --import)
  month-N-effects.csv    the effect sheet of each batch (lacuna extract format):
                         BPD severity as SMD (Hedges' g from means and SDs),
                         suicidal behaviour as RR (from event counts), one row
                         per study x outcome x comparison at post-treatment.
Usage: scripts/make-demo-batches.py [SHARED]
"""
import csv, json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..")
shared = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LACUNA_SHARED", os.path.join(ROOT, "..", "shared"))
DATA = os.path.join(shared, "corpus-demo", "metapsy-borderline", "data.csv")
CORPUS = os.path.join(ROOT, "corpus")
CUTOFF = 2021  # month 1: published up to this year; month 2: later

# The Metapsy arm codes, as the protocol's intervention categories.
INTERVENTION = {
    "dbt": "psych.dbt",
    "mbt": "psych.mbt",
    "st": "psych.schema",
    "tfp": "psych.tfp",
    "pdp": "psych.other",
    "cbt": "psych.other",
    "ipt": "psych.other",
    "mixed": "psych.other",
}
ARM = {
    "dbt": "dialectical behaviour therapy",
    "mbt": "mentalisation-based treatment",
    "st": "schema therapy",
    "tfp": "transference-focused psychotherapy",
    "pdp": "psychodynamic psychotherapy",
    "cbt": "cognitive behavioural therapy",
    "ipt": "interpersonal psychotherapy",
    "mixed": "a structured psychological therapy",
}
CONTROL = {"TAU": "treatment as usual", "CTBE": "treatment by experts", "GT": "general or structured clinical care"}
OUTCOME = {"BPD severity": "symptoms", "suicidal behaviour": "self_harm_suicidality"}
OUTCOME_WORDS = {"BPD severity": "borderline symptom severity", "suicidal behaviour": "suicidal behaviour"}
# Trials the corpus already holds (the record key the effect sheet names).
IN_CORPUS = {
    "Amianto, 2011": "22103890",
    "Andreoli, 2016": "26111250",
    "Arntz, 2022": "35234828",
    "Bateman, 2009": "src:cen-demo-002",
    "Doering, 2010": "src:cen-demo-024",
    "Linehan, 2006": "src:cen-demo-009",
}
# Publication year where the reference's year differs from the study label's.
YEAR_OF = {}


def fix(s):
    """Undo the dataset's double UTF-8 encoding (e.g. 'HÃ¶rz' for 'Hörz')."""
    # Bytes cp1252 lacks are written out in the file as "<90>", "<9d>".
    s = s.replace("\u00e2\u20ac<90>", "-").replace("\u00e2\u20ac<9d>", "\u201d")
    try:
        s = s.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        try:
            s = s.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return re.sub(r"\s+", " ", s.replace("\u00a0", " ")).strip()


def num(s):
    s = (s or "").strip()
    if s in ("", "NA"):
        return None
    return float(s.replace(",", "."))


def parse_ref(ref):
    """Authors, year, title and journal of an APA-style reference."""
    ref = fix(ref)
    m = re.match(r"^(?P<authors>.+?) \((?P<year>\d{4})\)\. (?P<rest>.+)$", ref)
    if not m:
        return [], None, ref, None
    authors = []
    for last, initials in re.findall(r"((?:(?:[Vv]an|[Dd]en|[Dd]e|[Vv]on|[Dd]er) )*[A-Z][A-Za-z'\u00c0-\u017f-]+(?: [A-Z][a-z]+)?(?: Jr)?), ((?:[A-Z]\. ?)+)", m.group("authors")):
        authors.append(f"{last} {initials.replace('.', '').replace(' ', '')}")
    rest = m.group("rest")
    parts = re.split(r"(?<!\bv\.)(?<=[.?!])\s+", rest, maxsplit=1)
    title = parts[0].rstrip(".")
    journal = None
    if len(parts) > 1:
        journal = re.split(r",\s*\d", parts[1])[0].strip().rstrip(".")
    return authors, int(m.group("year")), title, journal


def slug(study):
    return re.sub(r"[^a-z0-9]+", "-", fix(study).lower()).strip("-")


def main():
    with open(DATA, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    if len(rows) != 54:
        sys.exit(f"{DATA}: expected 54 effect rows, found {len(rows)}")
    corpus = [json.loads(l) for l in open(os.path.join(CORPUS, "cen-demo.jsonl"), encoding="utf-8") if l.strip()]
    decisions = list(csv.DictReader(open(os.path.join(CORPUS, "cen-demo-decisions.csv"), encoding="utf-8")))
    label_of = {d["key"]: d for d in decisions}

    studies = {}
    for r in rows:
        studies.setdefault(r["study"], []).append(r)
    trials, key_of, year_of = [], {}, {}
    for study, rs in studies.items():
        first = rs[0]
        if study in IN_CORPUS:
            key_of[study] = IN_CORPUS[study]
            year_of[study] = int(first["year"])
            continue
        authors, year, title, journal = parse_ref(first["full_ref"])
        year = year or int(first["year"])
        sid = "metapsy-" + slug(study)
        n = sum(int(num(r["rand_arm1"]) or 0) + int(num(r["rand_arm2"]) or 0) for r in rs[:1])
        outcomes = " and ".join(sorted({OUTCOME_WORDS[r["outcome_domain"]] for r in rs}))
        arm = ARM[first["condition_arm1"]]
        control = CONTROL.get(first["condition_arm2"], "a control condition")
        summary = (
            f"Randomised trial of {arm} versus {control} for adults with borderline personality disorder"
            + (f" ({n} participants randomised)" if n else "")
            + f"; its post-treatment results on {outcomes} are listed in the Metapsy borderline-psychotherapy database."
        )
        trials.append({
            "schema_version": 1,
            "kind": "article",
            "source_id": sid,
            "title": title,
            "abstract": summary,
            "abstract_sections": [{"label": "DEMO SUMMARY", "text": summary}],
            "journal": journal,
            "year": year,
            "authors": authors,
            "language": ["eng"],
            "publication_types": ["Randomized Controlled Trial"],
            "keywords": ["borderline personality disorder", "psychotherapy"],
        })
        key_of[study] = "src:" + sid
        year_of[study] = year
    with open(os.path.join(CORPUS, "metapsy-trials.jsonl"), "w", encoding="utf-8") as w:
        for t in trials:
            w.write(json.dumps(t, ensure_ascii=False) + "\n")

    def key(rec):
        return f"pmid:{rec['pmid']}" if rec.get("pmid") else f"src:{rec['source_id']}"

    def month_of_year(y):
        return 2 if (y or 0) > CUTOFF else 1

    # The effect sheets name corpus records by bare PMID or by key.
    with_effects = set(key_of.values()) | {f"pmid:{k}" for k in key_of.values() if k.isdigit()}
    late = [r["source_id"] for r in sorted(corpus, key=lambda r: r["source_id"])
            if month_of_year(r.get("year")) == 1 and key(r) not in with_effects]
    late = set(late[::5])
    batches = {1: [], 2: [], 3: []}
    labels = {1: [], 2: [], 3: []}
    for rec in corpus:
        m = month_of_year(rec.get("year"))
        if rec["source_id"] in late:
            m = 3
        batches[m].append(rec)
        d = label_of.get(rec["source_id"]) or label_of.get(str(rec.get("pmid")))
        if d:
            labels[m].append((key(rec), d["label"], d.get("reason") or ""))
    for t in trials:
        m = month_of_year(t["year"])
        batches[m].append(t)
        labels[m].append(("src:" + t["source_id"], "include", ""))
    for m in (1, 2, 3):
        with open(os.path.join(CORPUS, f"month-{m}.jsonl"), "w", encoding="utf-8") as w:
            for rec in batches[m]:
                w.write(json.dumps(rec, ensure_ascii=False) + "\n")
        with open(os.path.join(CORPUS, f"month-{m}-decisions.csv"), "w", encoding="utf-8", newline="") as w:
            c = csv.writer(w)
            c.writerow(["key", "label", "reason"])
            c.writerows(labels[m])

    header = ["record", "study", "intervention", "outcome", "comparison", "measure",
              "ai", "n1i", "ci", "n2i", "m1i", "sd1i", "m2i", "sd2i", "note"]
    sheets = {1: [], 2: []}
    for study, rs in studies.items():
        m = month_of_year(year_of[study])
        per_cell = {}
        for r in rs:
            per_cell.setdefault(r["outcome_domain"], []).append(r)
        for domain, cell in per_cell.items():
            for i, r in enumerate(cell):
                arm = ARM[r["condition_arm1"]]
                comparison = f"{r['condition_arm1']} vs {r['condition_arm2']}"
                if len(cell) > 1:
                    arms = {x["multi_arm1"] for x in cell}
                    if len(arms) > 1:
                        what = f"{r['multi_arm1']} arm"
                    elif r["instrument"] not in ("", "NA"):
                        what = r["instrument"]
                    else:
                        what = f"row {i + 1}"
                    comparison += f" ({fix(what)})"
                label = fix(study).replace(",", "")
                base = [key_of[study], label, INTERVENTION[r["condition_arm1"]], OUTCOME[domain], comparison]
                if r["outcome_type"] == "msd":
                    vals = [num(r[k]) for k in ("mean_arm1", "sd_arm1", "n_arm1", "mean_arm2", "sd_arm2", "n_arm2")]
                    m1, s1, n1, m2, s2, n2 = vals
                    sheets[m].append(base + ["SMD", "", fmt(n1), "", fmt(n2), fmt(m1), fmt(s1), fmt(m2), fmt(s2),
                                             f"{fix(r['instrument'])}; post-treatment ({r['time_weeks']} weeks); Hedges' g, lower is better"])
                else:
                    a, n1, c, n2 = (num(r[k]) for k in ("event_arm1", "totaln_arm1", "event_arm2", "totaln_arm2"))
                    if a == 0 and c == 0:
                        continue  # no events in either arm: no risk ratio (metafor's drop00)
                    sheets[m].append(base + ["RR", fmt(a), fmt(n1), fmt(c), fmt(n2), "", "", "", "",
                                             f"suicide attempts or deaths; post-treatment ({r['time_weeks']} weeks); {arm}"])
    for m in (1, 2):
        with open(os.path.join(CORPUS, f"month-{m}-effects.csv"), "w", encoding="utf-8", newline="") as w:
            c = csv.writer(w)
            c.writerow(header)
            c.writerows(sheets[m])
    # Risk of bias: Metapsy's RoB 2 judgements (its facts: five domains and
    # overall, per study and outcome), in robvis's sheet for `lacuna rob`.
    rob = {1: [], 2: []}
    seen = set()
    for r in rows:
        study = r["study"]
        key = (study, r["outcome_domain"])
        if key in seen:
            continue
        seen.add(key)
        judged = [r[f"RoB_D{d}"] for d in range(1, 6)] + [r["overall_RoB"]]
        if any(j in ("", "NA") for j in judged):
            continue
        m = month_of_year(year_of[study])
        rob[m].append([fix(study).replace(",", "")] + [j.title() if j != "some concerns" else "Some concerns" for j in judged]
                      + [OUTCOME[r["outcome_domain"]]])
    for m in (1, 2):
        with open(os.path.join(CORPUS, f"month-{m}-rob.csv"), "w", encoding="utf-8", newline="") as w:
            c = csv.writer(w)
            c.writerow(["Study", "D1", "D2", "D3", "D4", "D5", "Overall", "outcome"])
            c.writerows(sorted(rob[m]))
    print(f"{len(trials)} trial records; month 1: {len(batches[1])} records, {len(sheets[1])} effect rows; "
          f"month 2: {len(batches[2])} records, {len(sheets[2])} effect rows; "
          f"month 3: {len(batches[3])} records, left unscreened")


def fmt(x):
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


if __name__ == "__main__":
    main()
