//! A hand-written lexer for a small arithmetic language:
//!
//! ```text
//! let rayon = 6.5;
//! let aire = π * rayon ^ 2;   // identifiers may be Unicode
//! print(aire)
//! ```

use std::fmt;
use std::iter::Peekable;
use std::str::CharIndices;

#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    Number(f64),
    Ident(String),
    Str(String),
    Let,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    Equals,
    LParen,
    RParen,
    Comma,
    Semicolon,
    Eof,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Debug, PartialEq)]
pub enum LexError {
    UnexpectedChar { ch: char, line: u32 },
    UnterminatedString { line: u32 },
    BadNumber { text: String, line: u32 },
}

impl fmt::Display for LexError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LexError::UnexpectedChar { ch, line } => {
                write!(f, "line {line}: unexpected character {ch:?}")
            }
            LexError::UnterminatedString { line } => write!(f, "line {line}: unterminated string"),
            LexError::BadNumber { text, line } => write!(f, "line {line}: bad number `{text}`"),
        }
    }
}

impl std::error::Error for LexError {}

pub struct Lexer<'src> {
    src: &'src str,
    chars: Peekable<CharIndices<'src>>,
    line: u32,
    done: bool,
}

impl<'src> Lexer<'src> {
    pub fn new(src: &'src str) -> Self {
        Self { src, chars: src.char_indices().peekable(), line: 1, done: false }
    }

    fn skip_trivia(&mut self) {
        while let Some(&(_, c)) = self.chars.peek() {
            match c {
                '\n' => {
                    self.line += 1;
                    self.chars.next();
                }
                c if c.is_whitespace() => {
                    self.chars.next();
                }
                '/' if self.src[self.offset()..].starts_with("//") => {
                    while let Some(&(_, c)) = self.chars.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.chars.next();
                    }
                }
                _ => break,
            }
        }
    }

    fn offset(&mut self) -> usize {
        self.chars.peek().map_or(self.src.len(), |&(i, _)| i)
    }

    fn take_while(&mut self, start: usize, pred: impl Fn(char) -> bool) -> &'src str {
        while let Some(&(_, c)) = self.chars.peek() {
            if !pred(c) {
                break;
            }
            self.chars.next();
        }
        let end = self.offset();
        &self.src[start..end]
    }

    fn next_token(&mut self) -> Result<Token, LexError> {
        self.skip_trivia();
        let line = self.line;
        let Some((start, c)) = self.chars.next() else {
            let end = self.src.len();
            return Ok(Token { kind: TokenKind::Eof, span: Span { start: end, end, line } });
        };
        let kind = match c {
            '+' => TokenKind::Plus,
            '-' => TokenKind::Minus,
            '*' => TokenKind::Star,
            '/' => TokenKind::Slash,
            '^' => TokenKind::Caret,
            '=' => TokenKind::Equals,
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            ',' => TokenKind::Comma,
            ';' => TokenKind::Semicolon,
            '"' => {
                let body_start = start + 1;
                loop {
                    match self.chars.next() {
                        Some((i, '"')) => break TokenKind::Str(self.src[body_start..i].to_owned()),
                        Some((_, '\n')) | None => return Err(LexError::UnterminatedString { line }),
                        Some(_) => {}
                    }
                }
            }
            c if c.is_ascii_digit() => {
                let text = self.take_while(start, |c| c.is_ascii_digit() || c == '.' || c == '_');
                let cleaned: String = text.chars().filter(|&c| c != '_').collect();
                match cleaned.parse::<f64>() {
                    Ok(n) => TokenKind::Number(n),
                    Err(_) => return Err(LexError::BadNumber { text: text.into(), line }),
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                match self.take_while(start, |c| c.is_alphanumeric() || c == '_') {
                    "let" => TokenKind::Let,
                    ident => TokenKind::Ident(ident.to_owned()),
                }
            }
            ch => return Err(LexError::UnexpectedChar { ch, line }),
        };
        let end = self.offset();
        Ok(Token { kind, span: Span { start, end, line } })
    }
}

impl Iterator for Lexer<'_> {
    type Item = Result<Token, LexError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let tok = self.next_token();
        if matches!(tok, Ok(Token { kind: TokenKind::Eof, .. }) | Err(_)) {
            self.done = true;
        }
        Some(tok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        Lexer::new(src).map(|t| t.unwrap().kind).collect()
    }

    #[test]
    fn lexes_a_let_statement() {
        assert_eq!(
            kinds("let aire = π * 2;"),
            vec![
                TokenKind::Let,
                TokenKind::Ident("aire".into()),
                TokenKind::Equals,
                TokenKind::Ident("π".into()),
                TokenKind::Star,
                TokenKind::Number(2.0),
                TokenKind::Semicolon,
                TokenKind::Eof,
            ]
        );
    }

    #[test]
    fn spans_are_byte_offsets() {
        let toks: Vec<_> = Lexer::new("größe = 1_000").map(Result::unwrap).collect();
        assert_eq!(toks[0].span, Span { start: 0, end: 7, line: 1 }); // "ö" and "ß" are 2 bytes
        assert_eq!(toks[2].kind, TokenKind::Number(1000.0));
    }

    #[test]
    fn reports_unterminated_strings() {
        let err = Lexer::new("print(\"你好)\n").find_map(Result::err).unwrap();
        assert_eq!(err, LexError::UnterminatedString { line: 1 });
    }
}
