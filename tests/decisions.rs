//! Officers' decisions, end to end through the binary: a synthetic job runs, decisions are
//! written into the returned worklist (and a malformed CSV beside it), the register is
//! re-exported with its rows in another order and one record edited, and the next night's
//! run must honour every decision, reopen the edited record, apply nothing from the
//! malformed file, and keep it all in the SQLite store.

use calamine::{Data, Reader, open_workbook_auto};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

mod common;
use common::{lamsach_output as lamsach, read as read_parquet, run_job};

/// The worklist as text cells, per sheet, heading row first.
fn worklist(path: &Path) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb = open_workbook_auto(path).unwrap();
    let mut out = Vec::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        // From the heading on: the sheet's summary line above it is left out (the workbooks
        // these tests return then have their heading on the first row, as older worklists did).
        let rows = range
            .rows()
            .skip_while(|r| !matches!(r.first(), Some(Data::String(s)) if s == "STT"))
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        Data::String(s) => s.clone(),
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        out.push((name, rows));
    }
    out
}

/// A generated labour roll of 3,000 rows (20,000 people; `args` add the seed and defects) in
/// `dir`, its job reading returned worklists from `returned/`. Returns the job file.
fn labour_roll_with_decisions(dir: &Path, args: &[&str]) -> PathBuf {
    let common = ["synth", "--people", "20000", "--sources", "lao_dong", "--rows-per-source", "3000", "--out", dir.to_str().unwrap()];
    let o = lamsach(&common.iter().chain(args).copied().collect::<Vec<_>>());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let job = dir.join("job.toml");
    let mut text = std::fs::read_to_string(&job).unwrap();
    text.push_str("\n[decisions]\ninbox = \"returned\"\n");
    std::fs::write(&job, text).unwrap();
    job
}

/// The demo's input files, with its reference copied into `d`.
fn demo_fixtures(d: &Path) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    std::fs::copy(fixtures.join("reference.csv"), d.join("reference.csv")).unwrap();
    fixtures
}

/// The record keys on a worklist (a duplicate group's row lists its records' keys, one a line).
fn open_keys(path: &Path) -> Vec<String> {
    let sheets = worklist(path);
    let key = col(&sheets[0].1[0], "Mã bản ghi");
    sheets.iter().flat_map(|(_, rows)| rows.iter().skip(1).flat_map(|r| r[key].lines().map(str::to_string)).collect::<Vec<_>>()).collect()
}

/// Writes a job of one labour register `ld.csv` against `reference.csv` in `d`, reading
/// returned worklists from `returned/`, runs it and returns the run folder.
fn run_labour_job(d: &Path) -> PathBuf {
    std::fs::write(
        d.join("job.toml"),
        "[job]\nname = \"t\"\n[reference]\npath = \"reference.csv\"\n[[source]]\nname = \"ld\"\npath = \"ld.csv\"\nschema = \"labour\"\n[decisions]\ninbox = \"returned\"\n",
    )
    .unwrap();
    run_job(&d.join("job.toml"))
}

/// Saves worksheets of rows as the officer's returned workbook at `path` (its folder made).
fn save_returned(sheets: &[(String, Vec<Vec<String>>)], path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    for (name, rows) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                ws.write_string(r as u32, c as u16, v).unwrap();
            }
        }
    }
    wb.save(path).unwrap();
}

/// One record of records.parquet, by key.
struct Rec {
    class: String,
    ref_person_id: Option<String>,
    decided_by: String,
    decision: Option<String>,
    status: Option<String>,
    codes: Vec<String>,
}

fn records(dir: &Path) -> HashMap<String, Rec> {
    let df = read_parquet(&dir.join("records.parquet"));
    let s = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (key, class, rp, by, dec, st) = (s("record_key"), s("match_class"), s("ref_person_id"), s("decided_by"), s("decision"), s("decision_status"));
    let codes = df.column("finding_codes").unwrap().list().unwrap().clone();
    (0..df.height())
        .map(|i| {
            let c: Vec<String> = codes.get_as_series(i).map(|x| x.str().unwrap().iter().flatten().map(str::to_string).collect()).unwrap_or_default();
            let rec = Rec {
                class: class.get(i).unwrap().to_string(),
                ref_person_id: rp.get(i).map(str::to_string),
                decided_by: by.get(i).unwrap().to_string(),
                decision: dec.get(i).map(str::to_string),
                status: st.get(i).map(str::to_string),
                codes: c,
            };
            (key.get(i).unwrap().to_string(), rec)
        })
        .collect()
}

/// The true personal ID of each lao_dong row (truth.parquet).
fn truth(dir: &Path) -> HashMap<u64, Option<String>> {
    let df = read_parquet(&dir.join("truth.parquet"));
    let rows = df.column("source_row").unwrap().u64().unwrap().clone();
    let ids = df.column("true_person_id").unwrap().str().unwrap().clone();
    (0..df.height()).map(|i| (rows.get(i).unwrap(), ids.get(i).map(str::to_string))).collect()
}

/// Column index by heading.
fn col(head: &[String], name: &str) -> usize {
    head.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
}

/// Re-exports the register: rows in reverse order, renumbered, one record's address edited
/// and one record removed.
fn reexport(path: &Path, edited_row: u64, removed_row: u64) {
    let mut rd = csv::Reader::from_path(path).unwrap();
    let head = rd.headers().unwrap().clone();
    let address = head.iter().position(|h| h == "Địa chỉ").unwrap();
    let mut rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    // Data rows start on line 2.
    let edited = (edited_row - 2) as usize;
    let mut cells: Vec<String> = rows[edited].iter().map(str::to_string).collect();
    cells[address] = format!("{} (đã chuyển)", cells[address]);
    rows[edited] = csv::StringRecord::from(cells);
    rows.remove((removed_row - 2) as usize);
    rows.reverse();
    let mut w = csv::Writer::from_path(path).unwrap();
    w.write_record(&head).unwrap();
    for (n, r) in rows.iter().enumerate() {
        let mut cells: Vec<String> = r.iter().map(str::to_string).collect();
        cells[0] = (n + 1).to_string();
        w.write_record(&cells).unwrap();
    }
    w.flush().unwrap();
}

#[test]
fn decisions_in_a_returned_worklist_are_honoured_the_next_night() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("job");
    let job = labour_roll_with_decisions(&dir, &["--seed", "11", "--defect-scale", "4"]);
    let truth = truth(&dir);

    // Night 1.
    let night1 = run_job(&job);
    let before = records(&night1);
    let mut sheets = worklist(&night1.join("worklist.xlsx"));
    let head = sheets[0].1[0].clone();
    let (c_row, c_codes, c_result, c_id, c_officer, c_key, c_cand) = (
        col(&head, "Dòng"),
        col(&head, "Mã"),
        col(&head, "Kết quả xác minh"),
        col(&head, "Số định danh đúng (nếu biết)"),
        col(&head, "Người xác minh"),
        col(&head, "Mã bản ghi"),
        col(&head, "Người được đề xuất"),
    );
    // The officer's choices, by what the row asks and what the truth is.
    let (mut confirmed, mut rejected, mut supplied, mut bogus, mut stale, mut unverifiable) = (vec![], vec![], vec![], None, None, None);
    let (mut removed, mut pending) = (None, None);
    for (_, rows) in sheets.iter_mut() {
        for row in rows.iter_mut().skip(1) {
            let codes = row[c_codes].clone();
            if codes.contains("DUPLICATE_IN_SOURCE") {
                continue; // which copy is `#2` may change with the row order
            }
            let key = row[c_key].clone();
            let line: u64 = row[c_row].parse().unwrap();
            let true_id = truth.get(&line).cloned().flatten();
            let cand = row[c_cand].clone();
            let rec = &before[&key];
            let mut decide = |label: &str| {
                row[c_result] = label.to_string();
                row[c_officer] = "CA xã thử".into();
            };
            if codes.contains("DECEASED_IN_REFERENCE") && removed.is_none() {
                decide("Đã sửa tại nguồn"); // and the register drops the person below
                removed = Some((key, line));
            } else if codes.contains("DECEASED_IN_REFERENCE") && pending.is_none() {
                decide("Đã sửa tại nguồn"); // but the register still lists them
                pending = Some(key);
            } else if rec.class != "match" && !cand.is_empty() && Some(&cand) == true_id.as_ref() && confirmed.len() < 4 {
                decide("Đúng người");
                confirmed.push((key, cand));
            } else if rec.class == "match" && rejected.len() < 3 {
                decide("Không phải người này");
                rejected.push((key, cand));
            } else if let Some(id) = true_id.clone().filter(|id| rec.class != "match" && *id != cand && supplied.len() < 2) {
                decide("Đúng người");
                row[c_id] = id.clone();
                supplied.push((key, id));
            } else if rec.class != "match" && true_id.is_none() && bogus.is_none() {
                decide("Đúng người");
                row[c_id] = "001099999999".into();
                bogus = Some(key);
            } else if stale.is_none() && !cand.is_empty() && rec.class != "match" {
                decide("Đúng người");
                stale = Some((key, line));
            } else if unverifiable.is_none() {
                decide("Không xác minh được");
                unverifiable = Some(key);
            }
        }
    }
    assert!(confirmed.len() >= 2 && rejected.len() >= 2 && !supplied.is_empty(), "{} {} {}", confirmed.len(), rejected.len(), supplied.len());
    let (bogus, (stale, stale_line), unverifiable) = (bogus.unwrap(), stale.unwrap(), unverifiable.unwrap());
    let ((removed, removed_line), pending) = (removed.unwrap(), pending.unwrap());
    eprintln!(
        "decided: {} confirmed, {} rejected, {} IDs supplied, 1 unknown ID, 1 edited afterwards, 1 unverifiable",
        confirmed.len(),
        rejected.len(),
        supplied.len()
    );

    // The returned workbook, and a CSV with one malformed row beside a good one.
    let inbox = dir.join("returned");
    save_returned(&sheets, &inbox.join("xa-thu.xlsx"));
    let untouched = sheets.iter().flat_map(|(_, rows)| rows.iter().skip(1)).find(|r| r[c_result].is_empty() && !r[c_codes].contains("DUPLICATE")).unwrap();
    let mut csv_text = head.join(";") + "\n";
    let mut good = untouched.clone();
    good[c_result] = "Không xác minh được".into();
    let mut bad = untouched.clone();
    bad[c_result] = "Có lẽ".into();
    csv_text += &(good.join(";") + "\n" + &bad.join(";") + "\n");
    std::fs::write(inbox.join("xa-loi.csv"), csv_text).unwrap();

    // Night 2, on a re-export: rows reversed and renumbered, the stale record's address edited.
    reexport(&dir.join("lao_dong.csv"), stale_line, removed_line);
    let night2 = run_job(&job);
    let after = records(&night2);
    let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(night2.join("summary.json")).unwrap()).unwrap();
    let ds = &summary["decisions"];

    for (key, cand) in &confirmed {
        let r = &after[key];
        assert_eq!((r.class.as_str(), r.decided_by.as_str(), r.status.as_deref()), ("match", "officer", Some("applied")), "confirmed {key}");
        assert_eq!(r.ref_person_id.as_ref(), Some(cand));
        assert_eq!(r.decision.as_deref(), Some("confirm_link"));
    }
    for (key, cand) in &rejected {
        let r = &after[key];
        assert_ne!(r.ref_person_id.as_ref(), Some(cand), "a rejected pair is never linked again: {key}");
        assert_eq!(r.status.as_deref(), Some("applied"));
    }
    for (key, id) in &supplied {
        let r = &after[key];
        assert_eq!((r.class.as_str(), r.ref_person_id.as_ref(), r.decided_by.as_str()), ("match", Some(id), "officer"), "supplied {key}");
    }
    let b = &after[&bogus];
    assert_eq!(b.status.as_deref(), Some("refused"));
    assert!(b.codes.iter().any(|c| c == "OFFICER_ID_NOT_IN_REFERENCE"), "{:?}", b.codes);
    let s = &after[&stale];
    assert_eq!((s.status.as_deref(), s.decided_by.as_str()), (Some("reopened"), "model"), "a record changed since is reopened, not applied");
    assert_eq!(after[&unverifiable].status.as_deref(), Some("applied"));
    assert!(!after.contains_key(&removed));
    let p = &after[&pending];
    assert_eq!(p.status.as_deref(), Some("pending"), "fixed at source, but the register still has the finding");
    assert!(p.codes.iter().any(|c| c == "DECEASED_IN_REFERENCE"));
    // Nothing from the malformed file: its good row is not a decision.
    let untouched_key = &untouched[c_key];
    assert_eq!(after[untouched_key].decision, None, "a file with a malformed row is not half-applied");
    let rejected_files = ds["imports"]["rejected"].as_array().unwrap();
    assert_eq!(rejected_files.len(), 1);
    assert_eq!(rejected_files[0][0], "xa-loi.csv");
    let errors = rejected_files[0][1].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(errors[0].as_str().unwrap().starts_with("xa-loi.csv, row 3, column \"Kết quả xác minh\""), "{}", errors[0]);
    assert_eq!(ds["imports"]["imported"][0][0], "xa-thu.xlsx");
    assert!(std::fs::read_dir(&inbox).unwrap().flatten().all(|e| e.path().is_dir()), "the inbox is emptied");
    let archived: Vec<String> = std::fs::read_dir(inbox.join("archive")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    assert!(archived.iter().any(|n| n.ends_with("xa-thu.xlsx")), "{archived:?}");
    let rejected_dir: Vec<String> =
        std::fs::read_dir(inbox.join("archive/rejected")).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    assert!(rejected_dir.iter().any(|n| n.ends_with("xa-loi.csv.errors.txt")), "{rejected_dir:?}");

    // Tonight's worklist: decided records are off it, the refused and the reopened are on it.
    let keys2 = open_keys(&night2.join("worklist.xlsx"));
    for (key, _) in confirmed.iter().chain(&rejected).chain(&supplied) {
        assert!(!keys2.contains(key), "a decided record stays off the worklist: {key}");
    }
    assert!(!keys2.contains(&unverifiable) && !keys2.contains(&pending));
    assert!(keys2.contains(&bogus) && keys2.contains(&stale));
    let decided: u64 = ds["decided"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(decided, (confirmed.len() + rejected.len() + supplied.len() + 2) as u64, "{ds}");
    assert!(ds["closed_since_last_run"].as_u64().unwrap() >= decided, "{ds}");
    assert_eq!(ds["open"].as_u64().unwrap(), keys2.len() as u64);
    let per_commune_open: u64 = ds["communes"].as_object().unwrap().values().map(|c| c["open"].as_u64().unwrap()).sum();
    assert_eq!(per_commune_open, keys2.len() as u64);

    // The store, as an analyst's SQLite client sees it.
    let db = rusqlite::Connection::open(dir.join("out/decisions.sqlite")).unwrap();
    let count = |q: &str| -> i64 { db.query_row(q, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("PRAGMA user_version"), 3);
    assert!(count("SELECT count(*) FROM run_figures WHERE scope = 'overall'") == 2, "both runs' figures are kept for the trend");
    assert_eq!(count("SELECT count(*) FROM imports"), 1);
    assert_eq!(count("SELECT count(*) FROM runs"), 2);
    assert_eq!(count("SELECT count(*) FROM decisions WHERE status = 'reopened'"), 1);
    assert_eq!(count("SELECT count(*) FROM decisions WHERE status = 'closed'"), 1, "fixed at source and taken off the register: closed");
    assert_eq!(count("SELECT count(*) FROM decisions WHERE officer = 'CA xã thử'"), count("SELECT count(*) FROM decisions"));
    assert!(count("SELECT count(*) FROM decision_history") > count("SELECT count(*) FROM decisions"));
}

#[test]
fn a_second_run_while_the_store_is_held_stops_with_a_clear_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("job");
    let o = lamsach(&["synth", "--people", "2000", "--seed", "3", "--sources", "lao_dong", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success());
    let job = dir.join("job.toml");
    let mut text = std::fs::read_to_string(&job).unwrap();
    text.push_str("\n[decisions]\ninbox = \"returned\"\n");
    std::fs::write(&job, text).unwrap();
    std::fs::create_dir_all(dir.join("out")).unwrap();
    // Another run holds the store's lock.
    let lock = std::fs::File::create(dir.join("out/decisions.sqlite.lock")).unwrap();
    lock.lock().unwrap();
    let o = lamsach(&["run", job.to_str().unwrap(), "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is in use by another lamsach run") && err.contains("decisions.sqlite"), "{err}");
    drop(lock);
    run_job(&job);
}

#[test]
fn the_next_night_counts_what_changed_and_shows_the_trend() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("job");
    let o = lamsach(&["synth", "--people", "20000", "--seed", "11", "--sources", "lao_dong", "--rows-per-source", "1000", "--out", dir.to_str().unwrap()]);
    assert!(o.status.success());
    let job = dir.join("job.toml");
    let first = run_job(&job);
    let s1: serde_json::Value = serde_json::from_slice(&std::fs::read(first.join("summary.json")).unwrap()).unwrap();
    assert!(s1["changes"].as_object().unwrap().is_empty(), "no last run: nothing to compare");
    // A re-export: another order, one address edited, one row gone, one row typed twice.
    let path = dir.join("lao_dong.csv");
    let mut rd = csv::Reader::from_path(&path).unwrap();
    let head = rd.headers().unwrap().clone();
    let address = head.iter().position(|h| h == "Địa chỉ").unwrap();
    let mut rows: Vec<Vec<String>> = rd.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    rows[5][address].push_str(" (mới)");
    rows.remove(10);
    let copy = rows[20].clone();
    rows.push(copy);
    rows.reverse();
    let mut w = csv::Writer::from_path(&path).unwrap();
    w.write_record(&head).unwrap();
    for (n, mut r) in rows.into_iter().enumerate() {
        r[0] = (n + 1).to_string();
        w.write_record(&r).unwrap();
    }
    w.flush().unwrap();
    let second = run_job(&job);
    let s2: serde_json::Value = serde_json::from_slice(&std::fs::read(second.join("summary.json")).unwrap()).unwrap();
    let c = &s2["changes"]["lao_dong"];
    assert_eq!((c["added"].as_u64(), c["removed"].as_u64(), c["changed"].as_u64()), (Some(1), Some(1), Some(1)), "{c}");
    assert_eq!(s2["changes"]["(reference)"]["changed"], 0);
    let runs = s2["trend"]["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(s2["trend"]["overall"]["pass_all"].as_array().unwrap().len(), 2);
    let report = std::fs::read_to_string(second.join("report.html")).unwrap();
    assert!(report.contains(r#"id="trend""#) && report.contains(r#"<svg class="trend""#));
}

#[test]
fn a_decision_on_one_twin_stays_on_it_when_the_register_is_resorted_and_the_other_twin_edited() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = demo_fixtures(d);
    // Two rows of one person that differ only in their address (one fingerprint), and others.
    let head = "STT,Họ và tên,Ngày sinh,Giới tính,Số CCCD,Số điện thoại,Địa chỉ,Ngày cập nhật\n";
    let twin = |n: u32, address: &str| format!("{n},A Thức,06/11/1966,Nam,064066787974,,\"{address}\",08/10/2025\n");
    let others: String = std::fs::read_to_string(fixtures.join("lao_dong.csv")).unwrap().lines().skip(1).take(20).map(|l| format!("{l}\n")).collect();
    std::fs::write(d.join("ld.csv"), format!("{head}{}{}{others}", twin(1, "Số 1, Tổ 9, Xã Hra"), twin(2, "Số 5, Tổ 2, Xã Hra"))).unwrap();
    let first = run_labour_job(d);
    // The officer decides on the first twin (address "Số 1"), from the worklist's row.
    let sheets = worklist(&first.join("worklist.xlsx"));
    let head_row = &sheets[0].1[0];
    let (c_key, c_digest, c_source, c_row) = (col(head_row, "Mã bản ghi"), col(head_row, "Dấu bản ghi"), col(head_row, "Nguồn"), col(head_row, "Dòng"));
    // The twins are one duplicate group's row ("2, 3"); the officer's tool returns the first
    // twin's decision alone, by its key and digest.
    let row = sheets
        .iter()
        .flat_map(|(_, rows)| rows.iter().skip(1))
        .find(|r| r[c_row].split(", ").any(|l| l == "2"))
        .expect("the first twin (line 2) is on the worklist")
        .clone();
    let at = row[c_row].split(", ").position(|l| l == "2").unwrap();
    let (key, digest) = (row[c_key].lines().nth(at).unwrap(), row[c_digest].split_whitespace().nth(at).unwrap());
    std::fs::create_dir(d.join("returned")).unwrap();
    std::fs::write(d.join("returned/xa.csv"), format!("Nguồn,Kết quả xác minh,Mã bản ghi,Dấu bản ghi\n{},Không xác minh được,{key},{digest}\n", row[c_source]))
        .unwrap();
    // The re-export: the rows in another order, the other twin's address edited.
    std::fs::write(d.join("ld.csv"), format!("{head}{others}{}{}", twin(30, "Số 7, Tổ 4, Xã Hra"), twin(31, "Số 1, Tổ 9, Xã Hra"))).unwrap();
    let second = run_job(&d.join("job.toml"));
    let df = read_parquet(&second.join("records.parquet"));
    let address = df.column("address_raw").unwrap().str().unwrap().clone();
    let decision = df.column("decision").unwrap().str().unwrap().clone();
    let status = df.column("decision_status").unwrap().str().unwrap().clone();
    let on = |a: &str| (0..df.height()).find(|&i| address.get(i) == Some(a)).map(|i| (decision.get(i), status.get(i))).unwrap();
    assert_eq!(on("Số 1, Tổ 9, Xã Hra"), (Some("unverifiable"), Some("applied")), "the decided twin keeps its decision");
    assert_eq!(on("Số 7, Tổ 4, Xã Hra"), (None, None), "the edited twin does not take it");
}

#[test]
fn duplicate_groups_decided_on_one_row_are_honoured_the_next_night() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("job");
    let job = labour_roll_with_decisions(&dir, &["--seed", "12", "--rate", "duplicate=0.05"]);
    let night1 = run_job(&job);
    let mut sheets = worklist(&night1.join("worklist.xlsx"));
    let head = sheets[0].1[0].clone();
    let (c_row, c_result, c_keep, c_key) =
        (col(&head, "Dòng"), col(&head, "Kết quả xác minh"), col(&head, "Dòng giữ lại (nếu cùng một người)"), col(&head, "Mã bản ghi"));
    // One group decided "same person" keeping its last row, one decided "different people".
    let (mut same, mut different): (Option<Vec<String>>, Option<Vec<String>>) = (None, None);
    let (mut kept, mut removed_lines) = (String::new(), Vec::new());
    for (_, rows) in sheets.iter_mut() {
        for row in rows.iter_mut().skip(1) {
            let keys: Vec<String> = row[c_key].lines().map(str::to_string).collect();
            if keys.len() != 2 {
                continue;
            }
            let lines: Vec<String> = row[c_row].split(", ").map(str::to_string).collect();
            if same.is_none() {
                row[c_result] = "Cùng một người".into();
                row[c_keep] = lines[1].clone();
                kept = keys[1].clone();
                removed_lines.push(lines[0].parse::<u64>().unwrap());
                same = Some(keys);
            } else if different.is_none() {
                row[c_result] = "khac nguoi".into();
                different = Some(keys);
            }
        }
    }
    let (same, different) = (same.expect("a duplicate group's row"), different.expect("a second group's row"));
    let inbox = dir.join("returned");
    save_returned(&sheets, &inbox.join("xa-trung.xlsx"));

    // Night 2: both groups are off the worklist; the different people are no longer duplicates.
    let night2 = run_job(&job);
    let after = records(&night2);
    for key in &different {
        let r = &after[key];
        assert_eq!((r.decision.as_deref(), r.status.as_deref()), (Some("different_people"), Some("applied")), "{key}");
        assert!(!r.codes.iter().any(|c| c == "DUPLICATE_IN_SOURCE"), "decided different people: {:?}", r.codes);
    }
    for key in &same {
        let r = &after[key];
        let want = if *key == kept { "same_person" } else { "remove_duplicate" };
        assert_eq!((r.decision.as_deref(), r.status.as_deref()), (Some(want), Some("pending")), "{key}: waits for the copy to be deleted");
    }
    let open = open_keys(&night2.join("worklist.xlsx"));
    assert!(same.iter().chain(&different).all(|k| !open.contains(k)), "decided groups stay off the worklist");

    // Night 3: the sector deleted the copy; the kept row is no longer listed twice: both close.
    let register = dir.join("lao_dong.csv");
    let text = std::fs::read_to_string(&register).unwrap();
    let kept_lines: Vec<&str> = text.lines().enumerate().filter(|(n, _)| !removed_lines.contains(&(*n as u64 + 1))).map(|(_, l)| l).collect();
    std::fs::write(&register, kept_lines.join("\n") + "\n").unwrap();
    let night3 = run_job(&job);
    let db = rusqlite::Connection::open(dir.join("out/decisions.sqlite")).unwrap();
    for key in &same {
        let status: String = db.query_row("select status from decisions where record_key = ?1", [key], |r| r.get(0)).unwrap();
        assert_eq!(status, "closed", "{key}: the duplicate deleted at the source closes the group's decisions");
    }
    // Alone again, the kept record has its key without the twin's suffix.
    let base = kept.split('#').next().unwrap();
    let r = &records(&night3)[base];
    assert!(!r.codes.iter().any(|c| c == "DUPLICATE_IN_SOURCE"));
}

#[test]
fn decisions_another_tool_writes_into_the_store_are_honoured_like_returned_worklists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let fixtures = demo_fixtures(d);
    std::fs::copy(fixtures.join("lao_dong.csv"), d.join("ld.csv")).unwrap();
    let first = run_labour_job(d);
    let sheets = worklist(&first.join("worklist.xlsx"));
    let head = &sheets[0].1[0];
    let (c_key, c_digest) = (col(head, "Mã bản ghi"), col(head, "Dấu bản ghi"));
    let rows: Vec<&Vec<String>> = sheets.iter().flat_map(|(_, rows)| rows.iter().skip(1)).filter(|r| !r[c_key].contains('\n')).take(2).collect();
    let (decided, odd) = (rows[0][c_key].clone(), rows[1][c_key].clone());
    // A province's web form writes one import and its decisions, as the README's table says.
    let store = first.parent().unwrap().join("decisions.sqlite");
    let db = rusqlite::Connection::open(&store).unwrap();
    db.execute(
        "INSERT INTO imports (file, sha256, imported_at, rows, archived_to) VALUES ('web-form', 'web-form:2026-12-07:1', '2026-12-07T08:00:00+07:00', 2, '')",
        [],
    )
    .unwrap();
    let import = db.last_insert_rowid();
    for (row, decision) in [(rows[0], "unverifiable"), (rows[1], "maybe")] {
        db.execute(
            "INSERT INTO decisions (import_id, source, record_key, record_digest, codes, decision, officer, sheet, row, decided_at, status, status_at)
             VALUES (?1, 'ld', ?2, ?3, '', ?4, 'web form', '', 0, '2026-12-07', 'new', '2026-12-07T08:00:00+07:00')",
            rusqlite::params![import, row[c_key], row[c_digest], decision],
        )
        .unwrap();
    }
    drop(db);
    let second = run_job(&d.join("job.toml"));
    let r = &records(&second)[&decided];
    assert_eq!((r.decision.as_deref(), r.status.as_deref()), (Some("unverifiable"), Some("applied")));
    let open = open_keys(&second.join("worklist.xlsx"));
    assert!(!open.contains(&decided), "the decided record is off the worklist");
    assert!(open.contains(&odd), "a row that is not a decision decides nothing");
    let db = rusqlite::Connection::open(&store).unwrap();
    let (status, reason): (String, String) = db
        .query_row("SELECT d.status, h.reason FROM decisions d JOIN decision_history h ON h.decision_id = d.id WHERE d.decision = 'maybe' ORDER BY h.rowid DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(status, "refused");
    assert!(reason.contains("not a decision"), "{reason}");
}
