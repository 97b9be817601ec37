//! One error type for the core. Every message names what is wrong and, where
//! there is one, the fix: these strings reach the CLI user and the page.
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// The text has nothing to tokenize (empty, only spaces or only removed characters).
    EmptyText,
    /// A file or directory the user named does not exist or cannot be read.
    Io(String),
    /// The model file or bundle is malformed: truncated, corrupt, wrong shape, missing tensor.
    Model(String),
    /// The vocabulary is unusable (missing special tokens, empty).
    Vocab(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::EmptyText => write!(f, "the text is empty: type at least one word"),
            Error::Io(m) => write!(f, "{m}"),
            Error::Model(m) => write!(f, "model: {m}"),
            Error::Vocab(m) => write!(f, "vocabulary: {m}"),
        }
    }
}

impl Error {
    /// A stable name for the kind of error, for callers that act on it (the page shows its
    /// own translated text for `empty-text`); the message is for people.
    pub fn code(&self) -> &'static str {
        match self {
            Error::EmptyText => "empty-text",
            Error::Io(_) => "io",
            Error::Model(_) => "model",
            Error::Vocab(_) => "vocab",
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
