//! A decoder's tokenizer, whichever its GGUF names: byte-level BPE (`tokenizer.ggml.model =
//! gpt2`, SmolLM2) or SentencePiece BPE (`llama`, Gemma 3). Both give the same surface: the
//! tokens of a prompt with their spans and words (BOS first when the model asks), the text of
//! ids, a token's spelling, and the BOS/EOS ids.
use super::{Bpe, Encoding, Spm};
use crate::error::{Error, Result};
use crate::load::gguf::Gguf;

pub enum DecoderTokenizer {
    Bpe(Bpe),
    Spm(Spm),
}

impl DecoderTokenizer {
    /// The tokenizer `tokenizer.ggml.model` names.
    pub fn from_gguf(g: &Gguf) -> Result<DecoderTokenizer> {
        match g.str("tokenizer.ggml.model")? {
            "gpt2" => Bpe::from_gguf(g).map(DecoderTokenizer::Bpe),
            "llama" => Spm::from_gguf(g).map(DecoderTokenizer::Spm),
            other => Err(Error::Vocab(format!(
                "tokenizer.ggml.model is {other:?}: this reader knows \"gpt2\" (byte-level BPE) and \"llama\" (SentencePiece) only"
            ))),
        }
    }

    pub fn vocab_size(&self) -> usize {
        match self {
            DecoderTokenizer::Bpe(t) => t.vocab_size(),
            DecoderTokenizer::Spm(t) => t.vocab_size(),
        }
    }

    /// The text's tokens, BOS first when the model asks, at most `max_tokens` in all.
    pub fn encode_max(&self, text: &str, max_tokens: usize) -> Result<Encoding> {
        match self {
            DecoderTokenizer::Bpe(t) => t.encode_max(text, max_tokens),
            DecoderTokenizer::Spm(t) => t.encode_max(text, max_tokens),
        }
    }

    /// The text of `ids` (control tokens as spelled; a piece of a character alone is U+FFFD).
    pub fn decode(&self, ids: &[u32]) -> String {
        match self {
            DecoderTokenizer::Bpe(t) => t.decode(ids),
            DecoderTokenizer::Spm(t) => t.decode(ids),
        }
    }

    /// A token as the vocabulary spells it (`Ġa`, `▁a`).
    pub fn token(&self, id: u32) -> Option<&str> {
        match self {
            DecoderTokenizer::Bpe(t) => t.token(id),
            DecoderTokenizer::Spm(t) => t.token(id),
        }
    }

    pub fn bos(&self) -> Option<u32> {
        match self {
            DecoderTokenizer::Bpe(t) => t.bos,
            DecoderTokenizer::Spm(t) => t.bos,
        }
    }

    pub fn eos(&self) -> Option<u32> {
        match self {
            DecoderTokenizer::Bpe(t) => t.eos,
            DecoderTokenizer::Spm(t) => t.eos,
        }
    }

    /// Whether `encode_max` puts the BOS token first.
    pub fn add_bos(&self) -> bool {
        match self {
            DecoderTokenizer::Bpe(t) => t.add_bos,
            DecoderTokenizer::Spm(t) => t.add_bos,
        }
    }
}
