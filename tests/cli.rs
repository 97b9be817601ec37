//! The command line on hostile input: never a panic (exit 101), always a message and a
//! non-zero exit; text from standard input or a file.
#![cfg(unix)]
mod common;

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_orquestra");

fn tiny() -> String {
    common::fixtures().join("tiny").display().to_string()
}

/// Runs to the end (or fails the test after 20 s): (exit code, stdout, stderr).
fn run(cmd: &mut Command) -> (i32, String, String) {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    common::finish(child, Duration::from_secs(20), "the CLI hangs")
}

fn no_panic(code: i32, err: &str) {
    assert!(code != 101 && !err.contains("panicked"), "a panic: {err}");
    assert!(
        code != 0 && err.starts_with("orquestra: "),
        "exit {code}: {err}"
    );
}

#[test]
fn a_non_utf8_argument_is_a_message() {
    let (code, _, err) = run(Command::new(BIN)
        .args(["attention", "--model", &tiny()])
        .arg(std::ffi::OsStr::from_bytes(b"caf\xe9")));
    no_panic(code, &err);
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn a_closed_standard_output_is_a_message() {
    // A pipe whose reader is gone before the CLI writes, as with `| head -c 0`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = Command::new(BIN)
        .args(["bench", "--model", &tiny(), "--runs", "1"])
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    no_panic(out.status.code().unwrap_or(-1), &err);
    assert!(err.contains("standard output"), "{err}");
}

#[test]
fn a_fifo_as_the_model_is_refused_not_waited_on() {
    let dir = std::env::temp_dir().join(format!("orquestra-fifo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = dir.join("model.safetensors");
    let _ = std::fs::remove_file(&fifo);
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let (code, _, err) = run(Command::new(BIN)
        .args(["attention", "--model"])
        .arg(&fifo)
        .arg("texto"));
    no_panic(code, &err);
    assert!(err.contains("not a regular file"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The tiny 4-bit e5 model (a Unigram tokenizer) as a bundle in `dir`, made by the CLI.
fn tiny_e5_bundle(dir: &std::path::Path) -> std::path::PathBuf {
    let json = dir.join("tokenizer.json");
    std::fs::write(&json, r#"{"normalizer":{"type":"Sequence","normalizers":[{"type":"Precompiled","precompiled_charsmap":"BAAAAAAAAAA="},{"type":"Replace","pattern":{"Regex":" {2,}"},"content":" "}]},"pre_tokenizer":{"type":"Metaspace","replacement":"▁","add_prefix_space":true},"model":{"type":"Unigram"}}"#).unwrap();
    let bundle = dir.join("tiny.q4_0.safetensors");
    let bin = common::fixtures().join("e5/tiny/model.bin");
    let (code, _, err) = run(Command::new(BIN)
        .args(["convert", "--model"])
        .arg(&bin)
        .arg("--tokenizer")
        .arg(&json)
        .arg("--out")
        .arg(&bundle));
    assert_eq!(code, 0, "{err}");
    bundle
}

#[test]
fn bench_on_a_vocabulary_that_splits_word_is_a_message() {
    let dir = std::env::temp_dir().join(format!("orquestra-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The tiny 4-bit model has no piece "word": it is several pieces.
    let bundle = tiny_e5_bundle(&dir);
    let (code, _, err) = run(Command::new(BIN).args(["bench", "--model"]).arg(&bundle));
    no_panic(code, &err);
    assert!(err.contains("\"word\" is not one piece"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn text_from_standard_input_and_from_a_file() {
    let mut child = Command::new(BIN)
        .args(["attention", "--model", &tiny(), "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("a menina estava radiante".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        common::strings(&line["words"]),
        ["[CLS]", "a", "menina", "estava", "radiante", "[SEP]"]
    );
    let file = std::env::temp_dir().join(format!("orquestra-text-{}", std::process::id()));
    std::fs::write(&file, "o gato dorme").unwrap();
    let (code, out, err) = run(Command::new(BIN)
        .args(["attention", "--model", &tiny(), "--text-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\"dorme\""), "{out}");
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn ablate_and_rollout_write_their_arrays_and_name_what_they_ignore() {
    let dir = std::env::temp_dir().join(format!("orquestra-cli-ablate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |n: &str| dir.join(n).display().to_string();
    let (code, out, err) = run(Command::new(BIN).args([
        "attention",
        "--model",
        &tiny(),
        "--ablate",
        "2.1,9.9,x",
        "--out",
        &file("a.npy"),
        "--rollout",
        &file("r.npy"),
        "--hidden",
        &file("h.npy"),
        "a menina",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("ignored 9.9, x"), "{err}");
    let brief: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let t = brief["tokens"].as_array().unwrap().len();
    let a: ndarray::Array4<f32> = ndarray_npy::read_npy(file("a.npy")).unwrap();
    let r: ndarray::Array3<f32> = ndarray_npy::read_npy(file("r.npy")).unwrap();
    let h: ndarray::Array3<f32> = ndarray_npy::read_npy(file("h.npy")).unwrap();
    assert_eq!(
        (a.dim().0, a.dim().2, r.dim(), h.dim().0, h.dim().1),
        (2, t, (2, t, t), 3, t)
    );
    assert_eq!(
        a.slice(ndarray::s![1, 0, .., ..]).sum(),
        0.0,
        "head 2.1 is dismissed"
    );
    assert!((a.slice(ndarray::s![1, 1, .., ..]).sum() - t as f32).abs() < 1e-4);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn help_prints_usage_and_exits_0_for_every_subcommand() {
    for sub in [
        &[][..],
        &["attention"],
        &["generate"],
        &["convert"],
        &["bench"],
        &["presets"],
    ] {
        for flag in ["--help", "-h"] {
            let (code, out, err) = run(Command::new(BIN).args(sub).arg(flag));
            assert_eq!(code, 0, "{sub:?} {flag}: exit {code}: {err}");
            assert!(out.contains("Usage: orquestra"), "{sub:?} {flag}: {out}");
        }
    }
    let (_, out, _) = run(Command::new(BIN).args(["attention", "--help"]));
    assert!(out.contains("--max-bytes"), "{out}");
}

#[test]
fn bad_numbers_and_clashing_outputs_are_refused_with_exit_2() {
    let dir = std::env::temp_dir().join(format!("orquestra-cli-args-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let npy = dir.join("x.npy").display().to_string();
    let same = dir.join(".").join("x.npy").display().to_string();
    let tiny = tiny();
    let refused: [&[&str]; 9] = [
        &["bench", "--model", &tiny, "--runs", "0"],
        &["bench", "--model", &tiny, "--runs", "-3"],
        &["bench", "--model", &tiny, "--runs", "many"],
        &["attention", "--model", &tiny, "--max-bytes", "0", "a"],
        &[
            "attention",
            "--model",
            &tiny,
            "--out",
            &npy,
            "--rollout",
            &npy,
            "--hidden",
            &npy,
            "a",
        ],
        &[
            "attention",
            "--model",
            &tiny,
            "--out",
            &npy,
            "--hidden",
            &same,
            "a",
        ],
        &["attention", "--model", &tiny, "--text-file", &npy, "a"],
        &[
            "convert",
            "--model",
            &tiny,
            "--out",
            &npy,
            "--precision",
            "f8",
        ],
        &["frobnicate"],
    ];
    for args in refused {
        let (code, _, err) = run(Command::new(BIN).args(args));
        assert_eq!(code, 2, "{args:?}: exit {code}: {err}");
        assert!(
            !err.is_empty() && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    assert!(
        !dir.join("x.npy").exists(),
        "a refused command wrote its output"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// What one run of the CLI cost: exit code (or minus the signal), bytes printed, standard
/// error, and its peak resident memory in MB (the kernel's own count, from wait4).
struct Measured {
    code: i32,
    out_bytes: usize,
    err: String,
    peak_mb: f64,
}

/// Runs the CLI under an address-space guard of 1 GiB (an input that makes it grow fails
/// quickly instead of taking the machine), with `zeros` bytes of NUL on standard input if
/// given (the feeder stops when the CLI closes its end).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its rusage
fn measured(args: &[&std::ffi::OsStr], zeros: Option<u64>) -> Measured {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .stdin(if zeros.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let guard = libc::rlimit {
                rlim_cur: 1 << 30,
                rlim_max: 1 << 30,
            };
            libc::setrlimit(libc::RLIMIT_AS, &guard);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    let feeder = child.stdin.take().map(|mut stdin| {
        let n = zeros.unwrap();
        std::thread::spawn(move || {
            let chunk = vec![0u8; 1 << 20];
            let mut sent = 0;
            while sent < n && stdin.write_all(&chunk).is_ok() {
                sent += chunk.len() as u64;
            }
        })
    });
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out =
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()).unwrap_or(0));
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        stderr.read_to_string(&mut s).ok();
        s
    });
    let pid = child.id() as libc::pid_t;
    let start = Instant::now();
    let (status, usage) = loop {
        let mut status = 0;
        // SAFETY: a zeroed rusage is a valid value for wait4 to fill.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let done = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if done == pid {
            break (status, usage);
        }
        if start.elapsed() > Duration::from_secs(20) {
            child.kill().ok();
            panic!("the CLI still runs after 20 s: {args:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    if let Some(f) = feeder {
        f.join().unwrap();
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -libc::WTERMSIG(status)
    };
    Measured {
        code,
        out_bytes: out.join().unwrap() as usize,
        err: err.join().unwrap(),
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
    }
}

#[test]
fn input_without_a_cut_point_is_read_in_bounded_time_and_memory() {
    let dir = std::env::temp_dir().join(format!("orquestra-cli-big-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let one_word = dir.join("a.txt");
    std::fs::write(&one_word, vec![b'a'; 50_000_000]).unwrap();
    let e5 = tiny_e5_bundle(&dir);
    let os = |s: &str| std::ffi::OsString::from(s);
    for model in [os(&tiny()), e5.clone().into_os_string()] {
        let cases: [(&str, Vec<std::ffi::OsString>, Option<u64>); 3] = [
            (
                "50 MB of one word",
                vec![os("--text-file"), one_word.clone().into_os_string()],
                None,
            ),
            ("/dev/zero", vec![os("--text-file"), os("/dev/zero")], None),
            (
                "3 GB of NUL on standard input",
                vec![os("-")],
                Some(3 << 30),
            ),
        ];
        for (what, input, zeros) in cases {
            let mut args = vec![os("attention"), os("--model"), model.clone()];
            args.extend(input);
            let refs: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
            let m = measured(&refs, zeros);
            eprintln!(
                "{what} ({}): exit {}, {} bytes out, peak {:.0} MB",
                model
                    .to_string_lossy()
                    .rsplit('/')
                    .next()
                    .unwrap_or_default(),
                m.code,
                m.out_bytes,
                m.peak_mb
            );
            assert!(m.peak_mb < 200.0, "{what}: {:.0} MB: {}", m.peak_mb, m.err);
            assert!(
                m.code == 0 || m.code == 1,
                "{what}: exit {}: {}",
                m.code,
                m.err
            );
            assert!(
                m.err.contains("--max-bytes"),
                "{what}: no message that the input was cut: {}",
                m.err
            );
            assert!(
                m.out_bytes < 10_000,
                "{what}: {} bytes of JSON",
                m.out_bytes
            );
        }
    }
    // A smaller bound, as asked.
    let m = measured(
        &[
            "attention".as_ref(),
            "--model".as_ref(),
            tiny().as_ref(),
            "--max-bytes".as_ref(),
            "10".as_ref(),
            "--text-file".as_ref(),
            one_word.as_os_str(),
        ],
        None,
    );
    assert_eq!(m.code, 0, "{}", m.err);
    assert!(m.err.contains("first 10 are read"), "{}", m.err);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn long_words_and_pieces_are_cut_in_the_json_line() {
    let dir = std::env::temp_dir().join(format!("orquestra-cli-word-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("w.txt");
    std::fs::write(&file, format!("o {} dorme", "x".repeat(5000))).unwrap();
    let (code, out, err) = run(Command::new(BIN)
        .args(["attention", "--model", &tiny(), "--text-file"])
        .arg(&file));
    assert_eq!(code, 0, "{err}");
    let line: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let words = common::strings(&line["words"]);
    assert_eq!(words[1], "o");
    assert_eq!(words[2], format!("{}…", "x".repeat(64)));
    assert_eq!(words[3], "dorme");
    std::fs::remove_dir_all(&dir).ok();
}
