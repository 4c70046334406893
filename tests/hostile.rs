//! Files people and other programs make, tried as a careless colleague or an attacker would:
//! each input is built here at run time and the release binary runs on it under a time limit
//! and an address-space cap. Every case asserts no panic or abort (no exit 101, 134 or 137, no
//! signal), no hang, a peak memory under [`PEAK_MB`], the exit code and the entry the operator
//! reads, that no file outside lamsach's own folders changed, and that no cell's text reaches
//! a message.

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// No case may take longer (a hang is a failure, not a wait).
const TIMEOUT: Duration = Duration::from_secs(180);
/// The address space a run gets: a runaway allocation aborts here, not on the machine.
const ADDRESS_SPACE: u64 = 16 << 30;
/// Peak resident memory allowed in any case (the small runs here take 0.1–0.3 GB).
const PEAK_MB: u64 = 1536;

struct Ran {
    code: Option<i32>,
    signal: Option<i32>,
    stdout: String,
    stderr: String,
    peak_mb: u64,
}

/// Runs the binary in `dir` with `args`, bounded in time and address space, and measures its
/// peak memory.
fn lamsach(dir: &Path, args: &[&str]) -> Ran {
    lamsach_within(dir, args, ADDRESS_SPACE)
}

/// [`lamsach`] within `address_space` bytes.
fn lamsach_within(dir: &Path, args: &[&str], address_space: u64) -> Ran {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_lamsach"));
    cmd.args(args).current_dir(dir).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit { rlim_cur: address_space, rlim_max: address_space };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    #[expect(clippy::zombie_processes, reason = "reaped by wait4 below, which also reads its peak memory")]
    let mut child = cmd.spawn().expect("lamsach starts");
    let pid = child.id() as libc::pid_t;
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: the child is ours and not yet reaped (std's handle is never waited on).
        let r = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if r == pid {
            break;
        }
        if started.elapsed() > TIMEOUT {
            // SAFETY: as above.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
                libc::wait4(pid, &mut status, 0, &mut usage);
            }
            panic!("lamsach {args:?} hung: killed after {TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let exited = libc::WIFEXITED(status);
    Ran {
        code: exited.then(|| libc::WEXITSTATUS(status)),
        signal: libc::WIFSIGNALED(status).then(|| libc::WTERMSIG(status)),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_mb: usage.ru_maxrss as u64 / 1024,
    }
}

/// No panic, abort, kill or hang, and memory within the cap; the exit code.
fn finished(r: &Ran) -> i32 {
    assert_eq!(r.signal, None, "killed by a signal; stderr: {}", r.stderr);
    let code = r.code.expect("exited");
    assert!(![101, 134, 137].contains(&code), "exit {code}: {}", r.stderr);
    assert!(r.peak_mb < PEAK_MB, "peak {} MB over {PEAK_MB} MB", r.peak_mb);
    code
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(name)
}

/// A folder with the demo's reference and labour register, and a job over them plus `extra`.
fn job_dir(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture("demo/reference.csv"), dir.path().join("reference.csv")).unwrap();
    std::fs::copy(fixture("demo/lao_dong.csv"), dir.path().join("lao_dong.csv")).unwrap();
    let job = format!(
        "[job]\nname = \"t\"\noutput_dir = \"out\"\n[reference]\npath = \"reference.csv\"\n[[source]]\nname = \"lao_dong\"\npath = \"lao_dong.csv\"\nschema = \"labour\"\n{extra}"
    );
    std::fs::write(dir.path().join("job.toml"), job).unwrap();
    dir
}

/// The one run folder under `out`.
fn run_folder(dir: &Path) -> PathBuf {
    let runs: Vec<PathBuf> = std::fs::read_dir(dir.join("out"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs[0].clone()
}

fn json(p: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

/// A minimal .xlsx: one sheet whose `<sheetData>` is `rows`, and any `extra` parts.
fn raw_xlsx(path: &Path, rows: &str, extra: &[(&str, &[u8])]) {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    );
    let parts: Vec<(&str, Vec<u8>)> = vec![
        (
            "[Content_Types].xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_vec(),
        ),
        (
            "_rels/.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
        ),
        (
            "xl/workbook.xml",
            br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec(),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#.to_vec(),
        ),
        ("xl/worksheets/sheet1.xml", sheet.into_bytes()),
    ];
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts.iter().map(|(n, b)| (*n, b.as_slice())).chain(extra.iter().copied()) {
        zip.start_file(name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

/// An inline-text cell.
fn cell(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// A labour register's header and two people as sheet rows, with `more` appended.
fn labour_rows(more: &str) -> String {
    let header = ["Họ và tên", "Ngày sinh", "Giới tính", "Số CCCD"];
    let people = [["Nguyễn Văn An", "01/02/1990", "Nam", "064090000001"], ["Trần Thị Bình", "15/06/1985", "Nữ", "064185000002"]];
    let mut rows = String::new();
    for (r, cells) in std::iter::once(header).chain(people).enumerate() {
        rows.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in cells.iter().enumerate() {
            rows.push_str(&cell(&format!("{}{}", (b'A' + c as u8) as char, r + 1), v));
        }
        rows.push_str("</row>");
    }
    rows + more
}

const FAR_CORNER: &str = r#"<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>"#;

/// The source named in the manifest's, the summary's and the report's failed sources.
fn failed_everywhere(run: &Path, source: &str) -> String {
    let manifest = json(&run.join("manifest.json"));
    let failed = manifest["failed_sources"].as_array().unwrap();
    let entry = failed.iter().find(|f| f["name"] == source).unwrap_or_else(|| panic!("{source} not in {failed:?}"));
    let summary = std::fs::read_to_string(run.join("summary.json")).unwrap();
    assert!(summary.contains(&format!("\"{source}\"")), "the summary names {source}");
    let report = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(report.contains(source), "the report names {source}");
    entry["error"].as_str().unwrap().to_string()
}

#[test]
fn a_cell_at_a_sheets_far_corner_fails_that_register_not_the_night() {
    let dir = job_dir("[[source]]\nname = \"xa\"\npath = \"xa.xlsx\"\nschema = \"labour\"\n");
    raw_xlsx(&dir.path().join("xa.xlsx"), &labour_rows(FAR_CORNER), &[]);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let error = failed_everywhere(&run_folder(dir.path()), "xa");
    assert!(error.contains("row 1048576") && error.contains("column XFD") && error.contains("sheet_columns"), "{error}");
    let check = lamsach(dir.path(), &["check", "job.toml"]);
    finished(&check);
    // The same sheet within a raised limit is read whole, the stray cell's row with it.
    let dir = job_dir("[[source]]\nname = \"xa\"\npath = \"xa.xlsx\"\nschema = \"labour\"\n[limits]\nsheet_columns = 16384\n");
    raw_xlsx(&dir.path().join("xa.xlsx"), &labour_rows(FAR_CORNER), &[]);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    let inputs = json(&run_folder(dir.path()).join("manifest.json"))["inputs"].clone();
    let xa = inputs.as_array().unwrap().iter().find(|i| i["name"] == "xa").unwrap().clone();
    assert_eq!(xa["rows_read"], 3, "{xa}");
    assert_eq!(xa["rows_read"].as_u64(), Some(xa["rows_kept"].as_u64().unwrap() + xa["rows_quarantined"].as_u64().unwrap()));
}

#[test]
fn workbook_parts_that_inflate_past_their_limit_are_refused_before_they_are_read() {
    // 60 MB of spaces zip to about 60 KB: a part read whole, and a sheet read as a stream.
    let padding = vec![b' '; 60_000_000];
    let limits = "[limits]\npart_bytes = 20000000\nsheet_bytes = 20000000\n";
    let dir = job_dir(&format!(
        "[[source]]\nname = \"strings\"\npath = \"strings.xlsx\"\nschema = \"labour\"\n[[source]]\nname = \"sheet\"\npath = \"sheet.xlsx\"\nschema = \"labour\"\n{limits}"
    ));
    let mut strings = br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0">"#.to_vec();
    strings.extend_from_slice(&padding);
    strings.extend_from_slice(b"</sst>");
    raw_xlsx(&dir.path().join("strings.xlsx"), &labour_rows(""), &[("xl/sharedStrings.xml", &strings)]);
    let mut rows = labour_rows("");
    rows.push_str(&String::from_utf8(padding).unwrap());
    raw_xlsx(&dir.path().join("sheet.xlsx"), &rows, &[]);
    assert!(std::fs::metadata(dir.path().join("sheet.xlsx")).unwrap().len() < 1_000_000);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let run = run_folder(dir.path());
    assert!(failed_everywhere(&run, "strings").contains("part_bytes"));
    assert!(failed_everywhere(&run, "sheet").contains("sheet_bytes"));
}

#[test]
fn any_arrow_type_in_an_unmapped_column_is_ignored_and_a_mapped_one_fails_only_its_source() {
    let dir = job_dir(
        "[[source]]\nname = \"types\"\npath = \"arrow_types.parquet\"\nschema = \"labour\"\n[[source]]\nname = \"decimal_id\"\npath = \"decimal_id.parquet\"\nschema = \"labour\"\n",
    );
    for f in ["arrow_types.parquet", "decimal_id.parquet"] {
        std::fs::copy(fixture(&format!("hostile/{f}")), dir.path().join(f)).unwrap();
    }
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let run = run_folder(dir.path());
    let error = failed_everywhere(&run, "decimal_id");
    assert!(error.contains("Số định danh cá nhân") && error.contains("Decimal"), "{error}");
    let inputs = json(&run.join("manifest.json"))["inputs"].clone();
    let types = inputs.as_array().unwrap().iter().find(|i| i["name"] == "types").unwrap().clone();
    assert_eq!((types["rows_read"].as_u64(), types["rows_kept"].as_u64()), (Some(3), Some(3)), "{types}");
    let check = lamsach(dir.path(), &["check", "job.toml"]);
    finished(&check);
}

#[test]
fn a_parquet_footer_declaring_a_huge_list_is_refused_before_the_reader_reserves_it() {
    // Found by the `parquet` fuzz target: 3 KB whose footer declares 158 million key-value
    // entries; the reader reserved 7.6 GB for them before reading one.
    let dir = job_dir("[[source]]\nname = \"bomb\"\npath = \"footer_bomb.parquet\"\nschema = \"labour\"\n");
    std::fs::copy(fixture("hostile/footer_bomb.parquet"), dir.path().join("footer_bomb.parquet")).unwrap();
    let r = lamsach_within(dir.path(), &["run", "job.toml", "-q"], 4 << 30);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    assert!(failed_everywhere(&run_folder(dir.path()), "bomb").contains("longer than the file"));
    // Found next: a footer declaring a row group of 2^60 rows, from which the slices were sized.
    // And a genuine file over the rows a job allows.
    let dir = job_dir(
        "[[source]]\nname = \"rows\"\npath = \"row_count_bomb.parquet\"\nschema = \"labour\"\n[[source]]\nname = \"three\"\npath = \"arrow_types.parquet\"\nschema = \"labour\"\n[limits]\nfile_rows = 2\n",
    );
    for f in ["row_count_bomb.parquet", "arrow_types.parquet"] {
        std::fs::copy(fixture(&format!("hostile/{f}")), dir.path().join(f)).unwrap();
    }
    let r = lamsach_within(dir.path(), &["run", "job.toml", "-q"], 4 << 30);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let run = run_folder(dir.path());
    assert!(failed_everywhere(&run, "rows").contains("disagree"));
    assert!(failed_everywhere(&run, "three").contains("file_rows"));
}

#[test]
fn mapped_columns_in_large_view_or_timestamp_types_are_read_and_a_dictionary_one_is_named() {
    let dir = job_dir(
        "[[source]]\nname = \"mapped\"\npath = \"mapped_types.parquet\"\nschema = \"labour\"\n[[source]]\nname = \"dict\"\npath = \"mapped_dictionary.parquet\"\nschema = \"labour\"\n",
    );
    for f in ["mapped_types.parquet", "mapped_dictionary.parquet"] {
        std::fs::copy(fixture(&format!("hostile/{f}")), dir.path().join(f)).unwrap();
    }
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let run = run_folder(dir.path());
    let error = failed_everywhere(&run, "dict");
    assert!(error.contains("Giới tính") && error.contains("Dictionary"), "{error}");
    use polars::prelude::SerReader;
    let records = polars::prelude::ParquetReader::new(std::fs::File::open(run.join("records.parquet")).unwrap()).finish().unwrap();
    let sources = records.column("source").unwrap().str().unwrap().clone();
    let dob = records.column("dob").unwrap().cast(&polars::prelude::DataType::String).unwrap();
    let dobs: Vec<String> =
        dob.str().unwrap().iter().zip(sources.iter()).filter(|(_, s)| *s == Some("mapped")).map(|(d, _)| d.unwrap_or("").to_string()).collect();
    assert_eq!(dobs, ["1990-02-01", "1985-06-15", "1970-11-20"], "a timestamp column gives the date of birth");
}

#[test]
fn a_pipe_or_a_device_as_a_source_is_a_job_error_naming_it_not_a_hang() {
    for target in ["fifo", "zero", "urandom", "folder"] {
        let dir = job_dir("[[source]]\nname = \"x\"\npath = \"x.csv\"\nschema = \"labour\"\n");
        let x = dir.path().join("x.csv");
        match target {
            "fifo" => {
                let c = std::ffi::CString::new(x.to_str().unwrap()).unwrap();
                // SAFETY: a valid C string and mode.
                assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
            }
            "folder" => std::fs::create_dir(&x).unwrap(),
            dev => std::os::unix::fs::symlink(format!("/dev/{dev}"), &x).unwrap(),
        }
        for command in ["run", "check"] {
            let r = lamsach(dir.path(), &[command, "job.toml", "-q"]);
            assert_eq!(finished(&r), 2, "{target} {command}: {}", r.stderr);
            assert!(r.stderr.contains("x.csv") && r.stderr.contains("not a regular file"), "{target}: {}", r.stderr);
        }
        assert!(!dir.path().join("out").exists() || run_folders(dir.path()) == 0);
    }
}

fn run_folders(dir: &Path) -> usize {
    std::fs::read_dir(dir.join("out")).map_or(0, |d| d.flatten().filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.')).count())
}

/// The worklist's headings, as a returned CSV carries them.
const WORKLIST_HEAD: &str = "STT;Nguồn;Mã;Kết quả xác minh;Số định danh đúng (nếu biết);Ghi chú;Người xác minh;Mã bản ghi;Dấu bản ghi;Người được đề xuất";

#[test]
fn links_and_pipes_in_the_inbox_are_never_followed_and_their_targets_never_touched() {
    let dir = job_dir("[decisions]\ninbox = \"returned\"\n");
    let outside = tempfile::tempdir().unwrap();
    let decoy_csv = outside.path().join("passwd.csv");
    std::fs::write(&decoy_csv, format!("{WORKLIST_HEAD}\n1;lao_dong;X;Đúng người;;;;k1;d1;052080000001\n")).unwrap();
    std::fs::set_permissions(&decoy_csv, std::fs::Permissions::from_mode(0o644)).unwrap();
    let decoy_xlsx = outside.path().join("w.xlsx");
    raw_xlsx(&decoy_xlsx, &labour_rows(""), &[]);
    std::fs::set_permissions(&decoy_xlsx, std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = (std::fs::read(&decoy_csv).unwrap(), std::fs::read(&decoy_xlsx).unwrap());
    let inbox = dir.path().join("returned");
    std::fs::create_dir(&inbox).unwrap();
    std::os::unix::fs::symlink(&decoy_csv, inbox.join("passwd.csv")).unwrap();
    std::os::unix::fs::symlink(&decoy_xlsx, inbox.join("w.xlsx")).unwrap();
    let fifo = std::ffi::CString::new(inbox.join("pipe.csv").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string and mode.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    assert_eq!((mode(&decoy_csv), mode(&decoy_xlsx)), (0o644, 0o644), "the links' targets keep their modes");
    assert_eq!((std::fs::read(&decoy_csv).unwrap(), std::fs::read(&decoy_xlsx).unwrap()), before);
    for name in ["passwd.csv", "w.xlsx", "pipe.csv"] {
        assert!(std::fs::symlink_metadata(inbox.join(name)).is_ok(), "{name} is left where it was");
    }
    let summary = json(&run_folder(dir.path()).join("summary.json"));
    let refused: Vec<String> = summary["decisions"]["imports"]["refused"].as_array().unwrap().iter().map(|x| x[0].as_str().unwrap().to_string()).collect();
    assert_eq!(refused, ["passwd.csv", "pipe.csv", "w.xlsx"]);
    assert!(summary["decisions"]["imports"]["imported"].as_array().unwrap().is_empty());
}

#[test]
fn folders_lamsach_did_not_create_keep_their_modes() {
    let dir = job_dir("");
    let shared = dir.path().join("spool");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for cache in ["spool", "."] {
        let job = std::fs::read_to_string(dir.path().join("job.toml")).unwrap().replace("[job]\n", &format!("[job]\ncache_dir = \"{cache}\"\n"));
        std::fs::write(dir.path().join(format!("job-{}.toml", cache.len())), job).unwrap();
        let r = lamsach(dir.path(), &["run", &format!("job-{}.toml", cache.len()), "-q"]);
        assert_eq!(finished(&r), 0, "{}", r.stderr);
    }
    assert_eq!(mode(&shared), 0o1777, "the shared folder keeps its sticky bit");
    assert_eq!(mode(dir.path()), 0o755, "the job's folder keeps its mode");
    assert_eq!(mode(&dir.path().join("out")), 0o700, "the output folder lamsach made is private");
}

#[test]
fn a_rejected_returned_file_is_private_from_the_first_file_on() {
    let dir = job_dir("[decisions]\ninbox = \"returned\"\n");
    let inbox = dir.path().join("returned");
    std::fs::create_dir(&inbox).unwrap();
    raw_xlsx(&inbox.join("xa-a.xlsx"), &format!("{}{FAR_CORNER}", worklist_rows(&[])), &[]);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    let archive = inbox.join("archive");
    assert_eq!((mode(&archive), mode(&archive.join("rejected"))), (0o700, 0o700));
    let errors: Vec<PathBuf> =
        std::fs::read_dir(archive.join("rejected")).unwrap().flatten().map(|e| e.path()).filter(|p| p.to_string_lossy().ends_with(".errors.txt")).collect();
    let text = std::fs::read_to_string(&errors[0]).unwrap();
    assert!(text.contains("sheet_columns") && text.contains("row 1048576"), "{text}");
    assert!(!inbox.join("xa-a.xlsx").exists(), "the refused file left the inbox, so the next night does not read it again");
}

/// A worklist sheet's heading row and `rows` below it (cells by the CSV heading's order).
fn worklist_rows(rows: &[&[&str]]) -> String {
    let heading: Vec<&str> = WORKLIST_HEAD.split(';').collect();
    let mut out = String::new();
    for (r, cells) in std::iter::once(heading.as_slice()).chain(rows.iter().copied()).enumerate() {
        out.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, v) in cells.iter().enumerate() {
            out.push_str(&cell(&format!("{}{}", (b'A' + c as u8) as char, r + 1), v));
        }
        out.push_str("</row>");
    }
    out
}

/// Every outward text of a run: stderr, the report, the summary, the manifest, errors files.
fn outward_text(dir: &Path, r: &Ran) -> String {
    let mut text = r.stderr.clone() + &r.stdout;
    for e in walk(dir) {
        let name = e.to_string_lossy();
        if name.ends_with(".html") || name.ends_with(".json") || name.ends_with(".errors.txt") {
            text.push_str(&std::fs::read_to_string(&e).unwrap_or_default());
        }
    }
    text
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn no_cell_of_a_file_reaches_any_message() {
    // A register whose header line is missing: its first row (a person) is taken for one.
    let dir = job_dir("[[source]]\nname = \"nohead\"\npath = \"nohead.csv\"\nschema = \"labour\"\n");
    std::fs::write(dir.path().join("nohead.csv"), "25,MK1001 Phương Nhung,28/09/1982,Nữ,MK1002\n26,MK1003 Văn Hùng,01/01/1980,Nam,MK1004\n").unwrap();
    for command in ["run", "check"] {
        let r = lamsach(dir.path(), &[command, "job.toml"]);
        assert_eq!(finished(&r), 2, "{}", r.stderr);
        assert!(!outward_text(dir.path(), &r).contains("MK1"), "{command}: {}", r.stderr);
    }
    // Text in a cell typed true/false, as a register and as a returned worklist.
    let bad_bool = |row: u32| format!(r#"<row r="{row}"><c r="A{row}" t="b"><v>MK2001 Trần Thị Bí 052084123457</v></c></row>"#);
    let dir = job_dir("[[source]]\nname = \"xa\"\npath = \"xa.xlsx\"\nschema = \"labour\"\n[decisions]\ninbox = \"returned\"\n");
    raw_xlsx(&dir.path().join("xa.xlsx"), &labour_rows(&bad_bool(4)), &[]);
    std::fs::create_dir(dir.path().join("returned")).unwrap();
    let decided: &[&str] = &["1", "lao_dong", "X", "Đúng người", "", "MK3001", "MK3002", "k1", "d1", "052080000001"];
    raw_xlsx(&dir.path().join("returned/xa.xlsx"), &format!("{}{}", worklist_rows(&[decided]), bad_bool(3)), &[]);
    // A returned CSV whose every cell is a marker: each row malformed some way.
    let rows: Vec<String> = (0..4)
        .map(|r| {
            let mut cells: Vec<String> = (0..10).map(|c| format!("MK4{r}{c:02}")).collect();
            match r {
                0 => {}                                                                    // a result not in the list
                1 => cells[3] = "Đúng người".into(),                                       // an ID that is not 12 digits
                2 => cells[3] = String::new(),                                             // an ID without a result
                _ => (cells[3], cells[8]) = ("Không xác minh được".into(), String::new()), // an emptied hidden column
            }
            cells.join(";")
        })
        .collect();
    std::fs::write(dir.path().join("returned/markers.csv"), format!("{WORKLIST_HEAD}\n{}\n", rows.join("\n"))).unwrap();
    let r = lamsach(dir.path(), &["run", "job.toml"]);
    assert_eq!(finished(&r), 4, "{}", r.stderr);
    let text = outward_text(dir.path(), &r);
    for marker in ["MK2001", "052084123457", "MK3001", "MK3002", "MK4"] {
        assert!(!text.contains(marker), "{marker} reached a message");
    }
    let errors: Vec<PathBuf> =
        walk(&dir.path().join("returned/archive/rejected")).into_iter().filter(|p| p.to_string_lossy().ends_with(".errors.txt")).collect();
    assert_eq!(errors.len(), 2, "both returned files refused, each with its errors file");
    let markers = errors.iter().map(|p| std::fs::read_to_string(p).unwrap()).find(|t| t.contains("markers.csv")).unwrap();
    assert_eq!(markers.lines().count(), 4, "every malformed row named: {markers}");
    assert!(failed_everywhere(&run_folder(dir.path()), "xa").contains("true/false"));
}

#[test]
fn a_second_run_of_the_job_is_refused_before_it_reads_or_writes_anything() {
    let dir = job_dir("");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let held = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(out.join(".lock-t")).unwrap();
    held.try_lock().unwrap();
    let started = Instant::now();
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 1, "{}", r.stderr);
    assert!(r.stderr.contains("being run by another lamsach process"), "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(10), "refused at once");
    let left: Vec<String> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.file_name().to_string_lossy().to_string()).collect();
    assert_eq!(left, [".lock-t"], "nothing but the lock in the output folder");
    drop(held);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
}

#[test]
fn a_file_name_cannot_forge_a_log_line() {
    let dir = job_dir("[decisions]\ninbox = \"returned\"\n");
    let inbox = dir.path().join("returned");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("x\n2026-01-01T00:00:00Z  INFO FORGED line.csv"), "not a worklist\n").unwrap();
    let r = lamsach(dir.path(), &["run", "job.toml"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    assert!(!r.stderr.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z")), "{}", r.stderr);
    assert!(r.stderr.contains("FORGED"), "the file is still named: {}", r.stderr);
}

/// The worklist's first row: its cells by heading.
fn first_worklist_row(run: &Path) -> std::collections::HashMap<String, String> {
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(run.join("worklist.xlsx")).unwrap();
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).unwrap();
    // The sheet's summary line stands above the heading.
    let mut rows = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<String>>()).skip_while(|r| r.first().is_none_or(|c| c != "STT"));
    let heading = rows.next().unwrap();
    heading.into_iter().zip(rows.next().unwrap()).collect()
}

#[test]
fn two_files_deciding_one_record_differently_apply_neither_and_a_gone_source_is_orphaned() {
    let dir = job_dir("[decisions]\ninbox = \"returned\"\n");
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    let row = first_worklist_row(&run_folder(dir.path()));
    let (source, key, digest) = (&row["Nguồn"], &row["Mã bản ghi"], &row["Dấu bản ghi"]);
    let line = |decision: &str, source: &str| format!("1;{source};X;{decision};;;;{key};{digest};\n");
    let inbox = dir.path().join("returned");
    std::fs::create_dir(&inbox).unwrap();
    std::fs::write(inbox.join("a.csv"), format!("{WORKLIST_HEAD}\n{}{}", line("Không xác minh được", source), line("Không xác minh được", "khong_co")))
        .unwrap();
    std::fs::write(inbox.join("b.csv"), format!("{WORKLIST_HEAD}\n{}", line("Đã sửa tại nguồn", source))).unwrap();
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    let run = run_folder(dir.path());
    let decisions = json(&run.join("summary.json"))["decisions"].clone();
    let conflicts = decisions["imports"]["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{decisions}");
    let at: Vec<(String, u64)> =
        conflicts[0]["rows"].as_array().unwrap().iter().map(|r| (r["file"].as_str().unwrap().to_string(), r["row"].as_u64().unwrap())).collect();
    assert_eq!(at, [("a.csv".to_string(), 2), ("b.csv".to_string(), 2)]);
    assert!(std::fs::read_to_string(run.join("report.html")).unwrap().contains("b.csv dòng 2"));
    assert_eq!(decisions["changes"]["orphaned"], 1, "the decision on a source the job lacks: {decisions}");
    assert_eq!(decisions["by_status"].as_object().unwrap().values().filter_map(|v| v.as_u64()).sum::<u64>(), 0, "neither conflicting decision is in effect");
    let still_open = first_worklist_row(&run);
    assert_eq!(&still_open["Mã bản ghi"], key, "the record stays on the worklist");
    assert!(still_open["Mã"].contains("DECISIONS_CONFLICT"), "with the reason: {still_open:?}");
}

#[test]
fn a_large_returned_csv_is_read_a_row_at_a_time_and_one_over_the_limit_is_rejected() {
    let dir = job_dir("[decisions]\ninbox = \"returned\"\n[limits]\nreturned_file_bytes = 40000000\n");
    let inbox = dir.path().join("returned");
    std::fs::create_dir(&inbox).unwrap();
    let write = |name: &str, rows: usize| {
        let mut f = std::io::BufWriter::new(std::fs::File::create(inbox.join(name)).unwrap());
        writeln!(f, "{WORKLIST_HEAD}").unwrap();
        for i in 0..rows {
            writeln!(f, "{i};lao_dong;REVIEW NO_LINK;;;a note the officer left on row {i};;key{i:08};digest{i:016};05208{i:07}").unwrap();
        }
    };
    write("big.csv", 330_000);
    write("too-big.csv", 400_000);
    assert!(std::fs::metadata(inbox.join("big.csv")).unwrap().len() > 35_000_000);
    let r = lamsach(dir.path(), &["run", "job.toml", "-q"]);
    assert_eq!(finished(&r), 0, "{}", r.stderr);
    // A row at a time, the run stays small (BENCHMARKS: 94 MB for 65 MB of rows).
    assert!(r.peak_mb < 300, "peak {} MB", r.peak_mb);
    let imports = json(&run_folder(dir.path()).join("summary.json"))["decisions"]["imports"].clone();
    assert_eq!(imports["imported"][0][0], "big.csv", "{imports}");
    let rejected = imports["rejected"].as_array().unwrap();
    assert_eq!(rejected[0][0], "too-big.csv");
    assert!(rejected[0][1][0].as_str().unwrap().contains("returned_file_bytes"), "{rejected:?}");
}
