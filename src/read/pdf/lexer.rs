//! A content-stream lexer: operators with their operands, one at a time.
//!
//! Written for hostile input rather than taken from lopdf's object parser:
//! it never recurses (arrays are flattened into the operand list, a
//! dictionary operand of `BDC`/`DP` is skipped by counting its brackets),
//! it caps the nesting depth ([`MAX_DEPTH`]) and the operands kept for
//! one operator ([`MAX_OPERANDS`]), and it skips inline image data
//! (`BI … ID <bytes> EI`) without looking inside.

/// Deepest `[`/`<<` nesting accepted in a content stream.
pub const MAX_DEPTH: usize = 64;
/// Operands kept for one operator; a longer run keeps its last ones (a
/// `TJ` array of a whole line is well under this).
pub const MAX_OPERANDS: usize = 4096;

/// One operand.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    Number(f32),
    Name(Vec<u8>),
    /// A literal or hex string, its bytes decoded.
    Str(Vec<u8>),
    /// Marks where an array began (its elements follow, flattened).
    ArrayStart,
    /// Something kept only for its place (a dictionary, `true`, `null`).
    Other,
}

/// What went wrong while lexing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexError {
    TooDeep,
}

/// The lexer over one content stream.
pub struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
    pub operands: Vec<Operand>,
}

fn is_white(b: u8) -> bool {
    matches!(b, b'\0' | b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

fn is_delim(b: u8) -> bool {
    matches!(
        b,
        b'(' | b')' | b'<' | b'>' | b'[' | b']' | b'{' | b'}' | b'/' | b'%'
    )
}

fn is_regular(b: u8) -> bool {
    !is_white(b) && !is_delim(b)
}

impl<'a> Lexer<'a> {
    pub fn new(s: &'a [u8]) -> Lexer<'a> {
        Lexer {
            s,
            pos: 0,
            operands: Vec::new(),
        }
    }

    /// The next operator (its operands in `self.operands`), or `None` at
    /// the end of the stream.
    pub fn next_op(&mut self) -> Result<Option<&'a [u8]>, LexError> {
        self.operands.clear();
        let mut depth = 0usize;
        loop {
            self.skip_white();
            let Some(&b) = self.s.get(self.pos) else {
                return Ok(None);
            };
            match b {
                b'[' => {
                    self.pos += 1;
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(LexError::TooDeep);
                    }
                    self.push(Operand::ArrayStart);
                }
                b']' => {
                    self.pos += 1;
                    depth = depth.saturating_sub(1);
                }
                b'(' => {
                    let s = self.literal();
                    self.push(Operand::Str(s));
                }
                b'<' if self.s.get(self.pos + 1) == Some(&b'<') => {
                    self.skip_dict()?;
                    self.push(Operand::Other);
                }
                b'<' => {
                    let s = self.hex();
                    self.push(Operand::Str(s));
                }
                b'>' | b'{' | b'}' | b')' => self.pos += 1,
                b'/' => {
                    self.pos += 1;
                    let name = self.name();
                    self.push(Operand::Name(name));
                }
                b'+' | b'-' | b'.' | b'0'..=b'9' => {
                    let n = self.number();
                    self.push(Operand::Number(n));
                }
                _ => {
                    let start = self.pos;
                    while self.s.get(self.pos).is_some_and(|&b| is_regular(b)) {
                        self.pos += 1;
                    }
                    let word = &self.s[start..self.pos];
                    match word {
                        b"true" | b"false" | b"null" => self.push(Operand::Other),
                        b"ID" => {
                            self.skip_inline_image();
                            return Ok(Some(b"EI"));
                        }
                        _ if depth > 0 => self.push(Operand::Other),
                        _ => return Ok(Some(word)),
                    }
                }
            }
        }
    }

    fn push(&mut self, op: Operand) {
        if self.operands.len() >= MAX_OPERANDS {
            self.operands.drain(..MAX_OPERANDS / 2);
        }
        self.operands.push(op);
    }

    fn skip_white(&mut self) {
        while let Some(&b) = self.s.get(self.pos) {
            if is_white(b) {
                self.pos += 1;
            } else if b == b'%' {
                while self
                    .s
                    .get(self.pos)
                    .is_some_and(|&b| b != b'\n' && b != b'\r')
                {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    fn number(&mut self) -> f32 {
        let start = self.pos;
        self.pos += 1;
        while self
            .s
            .get(self.pos)
            .is_some_and(|&b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')
        {
            self.pos += 1;
        }
        let text = &self.s[start..self.pos];
        // `--5` and `5-3` happen in broken writers: read what parses.
        std::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<f32>().ok().or_else(|| lenient_number(t)))
            .filter(|n| n.is_finite())
            .unwrap_or(0.0)
    }

    fn name(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        while let Some(&b) = self.s.get(self.pos) {
            if !is_regular(b) {
                break;
            }
            self.pos += 1;
            if b == b'#'
                && let Some(v) = self
                    .s
                    .get(self.pos..self.pos + 2)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            {
                self.pos += 2;
                out.push(v);
                continue;
            }
            out.push(b);
        }
        out
    }

    /// A literal string `( … )`, nested parentheses balanced, escapes read.
    fn literal(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut depth = 1usize;
        while let Some(&b) = self.s.get(self.pos) {
            self.pos += 1;
            match b {
                b'(' => {
                    depth += 1;
                    out.push(b);
                }
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                    out.push(b);
                }
                b'\\' => {
                    let Some(&e) = self.s.get(self.pos) else {
                        break;
                    };
                    self.pos += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'0'..=b'7' => {
                            let mut v = u32::from(e - b'0');
                            for _ in 0..2 {
                                match self.s.get(self.pos) {
                                    Some(&d @ b'0'..=b'7') => {
                                        v = v * 8 + u32::from(d - b'0');
                                        self.pos += 1;
                                    }
                                    _ => break,
                                }
                            }
                            out.push((v & 0xFF) as u8);
                        }
                        b'\r' => {
                            if self.s.get(self.pos) == Some(&b'\n') {
                                self.pos += 1;
                            }
                        }
                        b'\n' => {}
                        other => out.push(other),
                    }
                }
                other => out.push(other),
            }
        }
        out
    }

    /// A hex string `< … >`; an odd last digit counts as followed by 0.
    fn hex(&mut self) -> Vec<u8> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut high: Option<u8> = None;
        while let Some(&b) = self.s.get(self.pos) {
            self.pos += 1;
            if b == b'>' {
                break;
            }
            let Some(v) = (b as char).to_digit(16) else {
                continue;
            };
            let v = v as u8;
            match high.take() {
                Some(h) => out.push(h << 4 | v),
                None => high = Some(v),
            }
        }
        if let Some(h) = high {
            out.push(h << 4);
        }
        out
    }

    /// Skips a dictionary `<< … >>`, strings inside it included, by
    /// counting brackets (never recursing).
    fn skip_dict(&mut self) -> Result<(), LexError> {
        let mut depth = 0usize;
        while self.pos < self.s.len() {
            match self.s[self.pos] {
                b'<' if self.s.get(self.pos + 1) == Some(&b'<') => {
                    self.pos += 2;
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(LexError::TooDeep);
                    }
                }
                b'>' if self.s.get(self.pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return Ok(());
                    }
                }
                b'(' => {
                    self.literal();
                }
                b'<' => {
                    self.hex();
                }
                _ => self.pos += 1,
            }
        }
        Ok(())
    }

    /// After `ID`: one white byte, then data up to an `EI` between white
    /// bytes (or the end).
    fn skip_inline_image(&mut self) {
        self.pos += 1;
        while self.pos < self.s.len() {
            if self.s[self.pos..].starts_with(b"EI")
                && self.pos > 0
                && is_white(self.s[self.pos - 1])
                && self.s.get(self.pos + 2).is_none_or(|&b| is_white(b))
            {
                self.pos += 2;
                return;
            }
            self.pos += 1;
        }
    }
}

/// `--5` → -5, `5-3` → 5: the leading number-looking part.
fn lenient_number(t: &str) -> Option<f32> {
    let neg = t.starts_with('-');
    let t = t.trim_start_matches(['+', '-']);
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let v: f32 = t[..end].parse().ok()?;
    Some(if neg { -v } else { v })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(s: &[u8]) -> Vec<(String, Vec<Operand>)> {
        let mut lx = Lexer::new(s);
        let mut out = Vec::new();
        while let Ok(Some(op)) = lx.next_op() {
            out.push((
                String::from_utf8_lossy(op).into_owned(),
                lx.operands.clone(),
            ));
        }
        out
    }

    #[test]
    fn operators_and_operands() {
        let got = ops(b"BT /F1 10.5 Tf 1 0 0 1 50 -7 Tm [(a\\(b) -250 <4e2d>] TJ ET % c\n");
        assert_eq!(got[0].0, "BT");
        assert_eq!(
            got[1],
            (
                "Tf".into(),
                vec![Operand::Name(b"F1".to_vec()), Operand::Number(10.5)]
            )
        );
        assert_eq!(got[2].1.len(), 6);
        assert_eq!(
            got[3].1,
            vec![
                Operand::ArrayStart,
                Operand::Str(b"a(b".to_vec()),
                Operand::Number(-250.0),
                Operand::Str(vec![0x4e, 0x2d])
            ]
        );
        assert_eq!(got[4].0, "ET");
    }

    #[test]
    fn inline_images_and_dictionaries_are_skipped() {
        let got = ops(b"/P <</MCID 0 /A <<>> >> BDC BI /W 1 ID \x00EI\xff EI Q EMC");
        let names: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(names, ["BDC", "BI", "EI", "Q", "EMC"]);
    }

    #[test]
    fn deep_nesting_is_refused_not_recursed() {
        let deep = [b"[".repeat(100_000), b"]".repeat(100_000)].concat();
        let mut lx = Lexer::new(&deep);
        assert_eq!(lx.next_op(), Err(LexError::TooDeep));
        let deep = b"<<".repeat(100_000);
        let mut lx = Lexer::new(&deep);
        assert_eq!(lx.next_op(), Err(LexError::TooDeep));
    }
}
