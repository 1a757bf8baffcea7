//! The content-stream interpreter: a page's operators → positioned
//! glyphs and the straight ruling lines drawn on it.
//!
//! It keeps the graphics state a table needs (the CTM through `q`/`Q`/`cm`,
//! the text state `Tf Tc Tw Tz TL Ts`, the text matrices through
//! `BT Td TD Tm T*`, and the path under construction) and ignores colour,
//! clipping and images. Shown strings (`Tj TJ ' "`) become [`Glyph`]s in
//! page space, one per character, each as wide as its advance. Paths
//! become ruling lines ([`Edge`]) when painted: every horizontal or
//! vertical segment of a stroked path (`S s B b`), and filled rectangles
//! (`re f`) no thicker than [`THIN`], which is how Chromium and Word draw
//! cell borders. Wider filled rectangles are backgrounds, not rules.
//! Form XObjects (`Do`) are entered with their matrix and resources, at
//! most [`MAX_FORM_DEPTH`] deep, and one that calls itself is a loop.

use std::collections::HashMap;
use std::rc::Rc;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::PdfError;
use super::document::Budget;
use super::font::{Code, Font, get};
use super::lexer::{LexError, Lexer, Operand};

/// A filled rectangle at most this thick (in points) is a ruling line.
pub const THIN: f32 = 3.0;
/// Form XObjects nested deeper than this are not entered.
const MAX_FORM_DEPTH: usize = 12;
/// Saved graphics states kept (`q` past it is ignored).
const MAX_SAVES: usize = 256;

/// One character on a page, y growing downwards from the page's top.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    pub ch: char,
    pub x0: f32,
    pub x1: f32,
    pub top: f32,
    pub bottom: f32,
    /// The font size on the page.
    pub size: f32,
}

/// A horizontal (`vertical == false`: at `pos` = y, from `a` to `b` in x)
/// or vertical (at `pos` = x, from `a` to `b` in y) ruling line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    pub vertical: bool,
    pub pos: f32,
    pub a: f32,
    pub b: f32,
}

/// What a page holds.
#[derive(Debug, Default)]
pub struct PageItems {
    pub glyphs: Vec<Glyph>,
    pub edges: Vec<Edge>,
    /// Codes no map told the text of.
    pub unmapped: usize,
    /// Images drawn (for the message of a scan).
    pub images: usize,
}

type M = [f32; 6];
const IDENTITY: M = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a × b` (apply `a`, then `b`).
fn mul(a: &M, b: &M) -> M {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn apply(m: &M, x: f32, y: f32) -> (f32, f32) {
    (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])
}

#[derive(Clone)]
struct State {
    ctm: M,
    font: Option<Rc<Font>>,
    size: f32,
    char_space: f32,
    word_space: f32,
    scale: f32,
    leading: f32,
    rise: f32,
}

/// Fonts built so far, by object id (or by resource name for a direct
/// font dictionary), shared by every page of the document.
#[derive(Default)]
pub struct Fonts {
    by_id: HashMap<ObjectId, Rc<Font>>,
}

/// The interpreter's caps and caches for one document.
pub struct Context<'d> {
    pub doc: &'d Document,
    pub budget: Budget,
    pub fonts: Fonts,
    /// Glyphs the document may still produce (`--max-cells`).
    pub glyphs_left: usize,
    /// Form XObjects being entered (a loop check).
    forms: Vec<ObjectId>,
}

impl<'d> Context<'d> {
    pub fn new(doc: &'d Document, max_glyphs: usize) -> Context<'d> {
        Context {
            doc,
            budget: Budget::default(),
            fonts: Fonts::default(),
            glyphs_left: max_glyphs,
            forms: Vec::new(),
        }
    }
}

/// Reads one page whose box is `(x0, y0, x1, y1)`, shown turned by
/// `rotate` degrees clockwise (`/Rotate`).
pub fn run_page(
    cx: &mut Context<'_>,
    content: &[u8],
    resources: &[&Dictionary],
    page_box: (f32, f32, f32, f32),
    rotate: u32,
) -> Result<PageItems, PdfError> {
    let mut items = PageItems::default();
    // page space as the page is shown: x from its left, y down from its top
    let (x0, y0, x1, y1) = page_box;
    let base: M = match rotate {
        90 => [0.0, 1.0, 1.0, 0.0, -y0, -x0],
        180 => [-1.0, 0.0, 0.0, 1.0, x1, -y0],
        270 => [0.0, -1.0, -1.0, 0.0, y1, x1],
        _ => [1.0, 0.0, 0.0, -1.0, -x0, y1],
    };
    run(cx, content, resources, base, &mut items, 0)?;
    Ok(items)
}

struct Path {
    /// Straight segments so far, in device space (before the CTM is
    /// applied at painting: the CTM may not change inside a path).
    segs: Vec<(f32, f32, f32, f32)>,
    /// Rectangles from `re`: x, y, w, h (user space).
    rects: Vec<(f32, f32, f32, f32)>,
    start: (f32, f32),
    cur: (f32, f32),
}

/// Segments and rectangles one path may hold.
const MAX_PATH: usize = 1 << 16;

fn run(
    cx: &mut Context<'_>,
    content: &[u8],
    resources: &[&Dictionary],
    base: M,
    items: &mut PageItems,
    depth: usize,
) -> Result<(), PdfError> {
    let mut lx = Lexer::new(content);
    let mut st = State {
        ctm: base,
        font: None,
        size: 0.0,
        char_space: 0.0,
        word_space: 0.0,
        scale: 1.0,
        leading: 0.0,
        rise: 0.0,
    };
    let mut saved: Vec<State> = Vec::new();
    let mut tm = IDENTITY;
    let mut tlm = IDENTITY;
    let mut path = Path {
        segs: Vec::new(),
        rects: Vec::new(),
        start: (0.0, 0.0),
        cur: (0.0, 0.0),
    };
    let mut codes: Vec<Code> = Vec::new();
    let mut local_fonts: HashMap<Vec<u8>, Option<Rc<Font>>> = HashMap::new();
    loop {
        let op = match lx.next_op() {
            Ok(Some(op)) => op,
            Ok(None) => break,
            Err(LexError::TooDeep) => return Err(PdfError::TooDeep),
        };
        let ops = &lx.operands;
        let n = |i: usize| -> f32 {
            // the i-th of the trailing numbers
            let k = ops.len().checked_sub(arity(op)).map(|s| s + i);
            match k.and_then(|k| ops.get(k)) {
                Some(Operand::Number(v)) => *v,
                _ => 0.0,
            }
        };
        match op {
            b"q" if saved.len() < MAX_SAVES => saved.push(st.clone()),
            b"Q" => {
                if let Some(s) = saved.pop() {
                    st = s;
                }
            }
            b"cm" => {
                let m = [n(0), n(1), n(2), n(3), n(4), n(5)];
                st.ctm = mul(&m, &st.ctm);
            }
            b"BT" => {
                tm = IDENTITY;
                tlm = IDENTITY;
            }
            b"Tf" => {
                st.size = n(1);
                let name = ops.iter().rev().find_map(|o| match o {
                    Operand::Name(n) => Some(n.clone()),
                    _ => None,
                });
                st.font = match name {
                    Some(name) => {
                        if let Some(f) = local_fonts.get(&name) {
                            f.clone()
                        } else {
                            let f = font(cx, resources, &name)?;
                            local_fonts.insert(name, f.clone());
                            f
                        }
                    }
                    None => None,
                };
            }
            b"Tc" => st.char_space = n(0),
            b"Tw" => st.word_space = n(0),
            b"Tz" => st.scale = n(0) / 100.0,
            b"TL" => st.leading = n(0),
            b"Ts" => st.rise = n(0),
            b"Td" | b"TD" => {
                let (tx, ty) = (n(0), n(1));
                if op == b"TD" {
                    st.leading = -ty;
                }
                tlm = mul(&[1.0, 0.0, 0.0, 1.0, tx, ty], &tlm);
                tm = tlm;
            }
            b"Tm" => {
                tlm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                tm = tlm;
            }
            b"T*" => {
                tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], &tlm);
                tm = tlm;
            }
            b"Tj" | b"'" | b"\"" | b"TJ" => {
                if op == b"\"" {
                    st.word_space = n(0);
                    st.char_space = n(1);
                }
                if op == b"'" || op == b"\"" {
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -st.leading], &tlm);
                    tm = tlm;
                }
                let from = if op == b"TJ" {
                    ops.iter()
                        .position(|o| *o == Operand::ArrayStart)
                        .unwrap_or(0)
                } else {
                    ops.len().saturating_sub(1)
                };
                for o in &ops[from..] {
                    match o {
                        Operand::Str(s) => {
                            show(cx, &st, &mut tm, s, &mut codes, items)?;
                        }
                        Operand::Number(k) if op == b"TJ" => {
                            let tx = -k / 1000.0 * st.size * st.scale;
                            tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                        }
                        _ => {}
                    }
                }
            }
            b"m" => {
                path.start = (n(0), n(1));
                path.cur = path.start;
            }
            b"l" => {
                let to = (n(0), n(1));
                if path.segs.len() < MAX_PATH {
                    path.segs.push((path.cur.0, path.cur.1, to.0, to.1));
                }
                path.cur = to;
            }
            b"c" => path.cur = (n(4), n(5)),
            b"v" | b"y" => path.cur = (n(2), n(3)),
            b"h" => {
                if path.cur != path.start && path.segs.len() < MAX_PATH {
                    path.segs
                        .push((path.cur.0, path.cur.1, path.start.0, path.start.1));
                }
                path.cur = path.start;
            }
            b"re" => {
                if path.rects.len() < MAX_PATH {
                    path.rects.push((n(0), n(1), n(2), n(3)));
                }
                path.start = (n(0), n(1));
                path.cur = path.start;
            }
            b"S" | b"s" | b"B" | b"B*" | b"b" | b"b*" => {
                stroke(&path, &st.ctm, items);
                path.segs.clear();
                path.rects.clear();
            }
            b"f" | b"F" | b"f*" => {
                fill(&path, &st.ctm, items);
                path.segs.clear();
                path.rects.clear();
            }
            b"n" => {
                path.segs.clear();
                path.rects.clear();
            }
            b"Do" => {
                if let Some(Operand::Name(name)) = ops.last() {
                    let name = name.clone();
                    xobject(cx, resources, &name, &st.ctm, items, depth)?;
                }
            }
            b"EI" => items.images += 1,
            _ => {}
        }
    }
    Ok(())
}

/// How many operands an operator takes (for reading the last ones).
fn arity(op: &[u8]) -> usize {
    match op {
        b"cm" | b"Tm" => 6,
        b"c" => 6,
        b"re" | b"v" | b"y" => 4,
        b"\"" => 3,
        b"Td" | b"TD" | b"m" | b"l" | b"Tf" => 2,
        _ => 1,
    }
}

/// Shows one string: a glyph per character, the text matrix advanced.
fn show(
    cx: &mut Context<'_>,
    st: &State,
    tm: &mut M,
    s: &[u8],
    codes: &mut Vec<Code>,
    items: &mut PageItems,
) -> Result<(), PdfError> {
    let Some(font) = &st.font else {
        return Ok(());
    };
    font.decode(s, codes);
    for code in codes.iter() {
        let m = mul(tm, &st.ctm);
        let w = code.width / 1000.0 * st.size * st.scale;
        let (x0, y0) = apply(&m, 0.0, st.rise);
        let (x1, _) = apply(&m, w, st.rise);
        let (vx, vy) = (m[2] * st.size, m[3] * st.size);
        let h = (vx * vx + vy * vy).sqrt();
        if code.unmapped {
            items.unmapped += 1;
        }
        let text: &str = if code.unmapped {
            "\u{FFFD}"
        } else {
            &code.text
        };
        let count = text.chars().count().max(1) as f32;
        let (lo, hi) = (x0.min(x1), x0.max(x1));
        let step = (hi - lo) / count;
        for (k, ch) in text.chars().enumerate() {
            if ch.is_control() {
                continue;
            }
            if cx.glyphs_left == 0 {
                return Err(PdfError::TooManyGlyphs);
            }
            cx.glyphs_left -= 1;
            // y grows downwards in page space: the baseline is at y0
            items.glyphs.push(Glyph {
                ch,
                x0: lo + step * k as f32,
                x1: lo + step * (k as f32 + 1.0),
                top: y0 - 0.88 * h,
                bottom: y0 + 0.12 * h,
                size: h,
            });
        }
        let advance = (code.width / 1000.0 * st.size
            + st.char_space
            + if code.is_space { st.word_space } else { 0.0 })
            * st.scale;
        *tm = mul(&[1.0, 0.0, 0.0, 1.0, advance, 0.0], tm);
    }
    Ok(())
}

/// The font named `name` in the resources.
fn font(
    cx: &mut Context<'_>,
    resources: &[&Dictionary],
    name: &[u8],
) -> Result<Option<Rc<Font>>, PdfError> {
    let doc = cx.doc;
    for res in resources {
        let Some(Object::Dictionary(fonts)) = get(doc, res, b"Font") else {
            continue;
        };
        let Ok(entry) = fonts.get(name) else {
            continue;
        };
        let id = entry.as_reference().ok();
        if let Some(f) = id.and_then(|id| cx.fonts.by_id.get(&id)) {
            return Ok(Some(f.clone()));
        }
        let Some(Object::Dictionary(dict)) = doc.dereference(entry).ok().map(|x| x.1) else {
            continue;
        };
        let f = Rc::new(Font::new(doc, dict, &mut cx.budget)?);
        if let Some(id) = id {
            cx.fonts.by_id.insert(id, f.clone());
        }
        return Ok(Some(f));
    }
    Ok(None)
}

/// Enters a form XObject (or counts an image).
fn xobject(
    cx: &mut Context<'_>,
    resources: &[&Dictionary],
    name: &[u8],
    ctm: &M,
    items: &mut PageItems,
    depth: usize,
) -> Result<(), PdfError> {
    let doc = cx.doc;
    for res in resources {
        let Some(Object::Dictionary(xo)) = get(doc, res, b"XObject") else {
            continue;
        };
        let Ok(entry) = xo.get(name) else { continue };
        let Ok(id) = entry.as_reference() else {
            return Ok(());
        };
        let Ok(Object::Stream(s)) = doc.get_object(id) else {
            return Ok(());
        };
        match get(doc, &s.dict, b"Subtype").and_then(|o| o.as_name().ok()) {
            Some(b"Image") => items.images += 1,
            Some(b"Form") => {
                if cx.forms.contains(&id) {
                    return Err(PdfError::Loop(format!(
                        "form XObject {} {} draws itself",
                        id.0, id.1
                    )));
                }
                if depth >= MAX_FORM_DEPTH {
                    return Err(PdfError::TooDeep);
                }
                let m: M = match get(doc, &s.dict, b"Matrix") {
                    Some(Object::Array(a)) if a.len() == 6 => {
                        let v: Vec<f32> = a
                            .iter()
                            .map(|o| o.as_float().ok().filter(|v| v.is_finite()).unwrap_or(0.0))
                            .collect();
                        [v[0], v[1], v[2], v[3], v[4], v[5]]
                    }
                    _ => IDENTITY,
                };
                let content = cx.budget.stream(s)?;
                let mut inner: Vec<&Dictionary> = Vec::new();
                if let Some(Object::Dictionary(r)) = get(doc, &s.dict, b"Resources") {
                    inner.push(r);
                }
                inner.extend_from_slice(resources);
                cx.forms.push(id);
                let r = run(cx, &content, &inner, mul(&m, ctm), items, depth + 1);
                cx.forms.pop();
                r?;
            }
            _ => {}
        }
        return Ok(());
    }
    Ok(())
}

/// A straight segment as a ruling line, if it is horizontal or vertical.
fn edge(x0: f32, y0: f32, x1: f32, y1: f32) -> Option<Edge> {
    let (dx, dy) = ((x1 - x0).abs(), (y1 - y0).abs());
    if dy < 0.5 && dx >= 1.0 {
        Some(Edge {
            vertical: false,
            pos: (y0 + y1) / 2.0,
            a: x0.min(x1),
            b: x0.max(x1),
        })
    } else if dx < 0.5 && dy >= 1.0 {
        Some(Edge {
            vertical: true,
            pos: (x0 + x1) / 2.0,
            a: y0.min(y1),
            b: y0.max(y1),
        })
    } else {
        None
    }
}

fn rect_corners(ctm: &M, r: &(f32, f32, f32, f32)) -> (f32, f32, f32, f32) {
    let (x, y, w, h) = *r;
    let (ax, ay) = apply(ctm, x, y);
    let (bx, by) = apply(ctm, x + w, y + h);
    (ax.min(bx), ay.min(by), ax.max(bx), ay.max(by))
}

fn push_edge(items: &mut PageItems, e: Option<Edge>) {
    if let Some(e) = e
        && items.edges.len() < 1 << 20
        && e.pos.is_finite()
        && e.a.is_finite()
        && e.b.is_finite()
    {
        items.edges.push(e);
    }
}

fn stroke(path: &Path, ctm: &M, items: &mut PageItems) {
    for &(x0, y0, x1, y1) in &path.segs {
        let (a, b) = apply(ctm, x0, y0);
        let (c, d) = apply(ctm, x1, y1);
        push_edge(items, edge(a, b, c, d));
    }
    for r in &path.rects {
        let (x0, y0, x1, y1) = rect_corners(ctm, r);
        push_edge(items, edge(x0, y0, x1, y0));
        push_edge(items, edge(x0, y1, x1, y1));
        push_edge(items, edge(x0, y0, x0, y1));
        push_edge(items, edge(x1, y0, x1, y1));
    }
}

fn fill(path: &Path, ctm: &M, items: &mut PageItems) {
    let mut thin = |x0: f32, y0: f32, x1: f32, y1: f32| {
        let (w, h) = (x1 - x0, y1 - y0);
        if h <= THIN && w > h {
            push_edge(items, edge(x0, (y0 + y1) / 2.0, x1, (y0 + y1) / 2.0));
        } else if w <= THIN && h > w {
            push_edge(items, edge((x0 + x1) / 2.0, y0, (x0 + x1) / 2.0, y1));
        }
    };
    for r in &path.rects {
        let (x0, y0, x1, y1) = rect_corners(ctm, r);
        thin(x0, y0, x1, y1);
    }
    // a closed four-sided path drawn with m/l/h is a rectangle too
    if path.segs.len() >= 3 && path.segs.len() <= 4 {
        let pts: Vec<(f32, f32)> = path
            .segs
            .iter()
            .map(|&(x, y, _, _)| apply(ctm, x, y))
            .collect();
        let axis = path.segs.iter().all(|&(x0, y0, x1, y1)| {
            let (a, b) = apply(ctm, x0, y0);
            let (c, d) = apply(ctm, x1, y1);
            (a - c).abs() < 0.5 || (b - d).abs() < 0.5
        });
        if axis {
            let x0 = pts.iter().map(|p| p.0).fold(f32::INFINITY, f32::min);
            let x1 = pts.iter().map(|p| p.0).fold(f32::NEG_INFINITY, f32::max);
            let y0 = pts.iter().map(|p| p.1).fold(f32::INFINITY, f32::min);
            let y1 = pts.iter().map(|p| p.1).fold(f32::NEG_INFINITY, f32::max);
            thin(x0, y0, x1, y1);
        }
    }
}
