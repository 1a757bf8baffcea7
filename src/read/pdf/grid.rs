//! Ruling lines → table cells, the way pdfplumber's `table.py` does it
//! (written anew, not ported):
//!
//! 1. **Snap**: horizontal lines whose y differ by at most [`SNAP`] are
//!    moved to their mean y (vertical ones likewise by x), so a border
//!    drawn as two half-point rectangles is one line.
//! 2. **Join**: lines on the same y (x) that overlap or leave a gap of at
//!    most [`JOIN`] become one; lines shorter than [`MIN_LENGTH`] go.
//! 3. **Intersections**: every vertical line crossing (or touching, within
//!    [`SNAP`]) a horizontal one gives a point, which remembers the lines
//!    through it.
//! 4. **Cells**: from each point, the smallest rectangle whose four corners
//!    are points joined by lines along all four sides: the nearest point
//!    below on a common vertical line, the nearest to the right on a
//!    common horizontal one, and the corner opposite joined to both.
//!    A merged cell is simply a rectangle that no line crosses.
//! 5. **Tables**: cells that share a corner belong to one table.

use std::collections::{BTreeMap, HashMap};

use super::interp::Edge;

/// Lines this close (points) are one line.
pub const SNAP: f32 = 3.0;
/// Collinear lines this close are joined.
pub const JOIN: f32 = 3.0;
/// Shorter lines are dropped.
pub const MIN_LENGTH: f32 = 3.0;
/// Lines a page may have for the grid to be looked for (a page of more is
/// a drawing, and the O(h × v) intersection step is not run on it).
pub const MAX_EDGES: usize = 4000;
/// Crossings a page may have for cells to be looked for (a page of more
/// is a drawing: a table of 200 × 250 cells is within it).
pub const MAX_POINTS: usize = 50_000;

/// A cell, in page space (y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cell {
    pub x0: f32,
    pub x1: f32,
    pub top: f32,
    pub bottom: f32,
}

impl Cell {
    pub fn contains(&self, x: f32, y: f32) -> bool {
        self.x0 <= x && x <= self.x1 && self.top <= y && y <= self.bottom
    }
}

/// One ruled table: its cells, in reading order (top, then left).
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub cells: Vec<Cell>,
    pub bbox: Cell,
    /// Its top (bottom) border was not drawn across its width but closed
    /// here: a row was cut there by a page break ([`close_dangling`]).
    pub open_top: bool,
    pub open_bottom: bool,
}

/// Snaps and joins the lines of one orientation.
fn merge(mut edges: Vec<Edge>) -> Vec<Edge> {
    edges.sort_by(|a, b| a.pos.total_cmp(&b.pos));
    // snap: clusters of consecutive positions within SNAP, to their mean
    let mut i = 0;
    while i < edges.len() {
        let mut j = i + 1;
        while j < edges.len() && edges[j].pos - edges[j - 1].pos <= SNAP {
            j += 1;
        }
        let mean = edges[i..j].iter().map(|e| e.pos).sum::<f32>() / (j - i) as f32;
        for e in &mut edges[i..j] {
            e.pos = mean;
        }
        i = j;
    }
    edges.sort_by(|a, b| a.pos.total_cmp(&b.pos).then(a.a.total_cmp(&b.a)));
    let mut out: Vec<Edge> = Vec::new();
    for e in edges {
        match out.last_mut() {
            Some(last) if last.pos == e.pos && e.a <= last.b + JOIN => {
                last.b = last.b.max(e.b);
            }
            _ => out.push(e),
        }
    }
    out.retain(|e| e.b - e.a >= MIN_LENGTH);
    out
}

/// Closes tables cut by a page break. A row that breaks across pages is
/// drawn without its bottom border on the first page and without its top
/// border on the next (Chromium does so): its vertical lines end where no
/// horizontal line goes on from them. Two ends at the same height (within
/// [`SNAP`]), the left one with no line going right from it and the next
/// one to its right with no line going left, get a horizontal line
/// between them, so the fragment is a row of cells. A merged cell cut by
/// the break is closed alike, though the other columns' borders are drawn.
fn close_dangling(v: &[Edge], h: &mut Vec<Edge>) {
    // (y, x, open to the left, open to the right)
    let mut ends: Vec<(f32, f32, bool, bool)> = Vec::new();
    for e in v {
        for y in [e.a, e.b] {
            let at_y = |he: &&Edge| (he.pos - y).abs() <= SNAP;
            let left = h
                .iter()
                .filter(at_y)
                .any(|he| he.a < e.pos - SNAP && he.b >= e.pos - SNAP);
            let right = h
                .iter()
                .filter(at_y)
                .any(|he| he.b > e.pos + SNAP && he.a <= e.pos + SNAP);
            if !left || !right {
                ends.push((y, e.pos, !left, !right));
            }
        }
    }
    ends.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut added = Vec::new();
    let mut i = 0;
    while i < ends.len() {
        let mut j = i + 1;
        while j < ends.len() && ends[j].0 - ends[i].0 <= SNAP {
            j += 1;
        }
        let mut group = ends[i..j].to_vec();
        group.sort_by(|a, b| a.1.total_cmp(&b.1));
        for w in group.windows(2) {
            let (l, r) = (w[0], w[1]);
            if l.3 && r.2 && r.1 - l.1 > SNAP {
                added.push(Edge {
                    vertical: false,
                    pos: (l.0 + r.0) / 2.0,
                    a: l.1,
                    b: r.1,
                });
            }
        }
        i = j;
    }
    h.extend(added);
}

/// A coordinate as a map key (hundredths of a point).
fn key(v: f32) -> i64 {
    (v * 100.0).round() as i64
}

/// The tables the ruling lines of one page draw.
pub fn grids(edges: &[Edge]) -> Vec<Grid> {
    let (v, h): (Vec<Edge>, Vec<Edge>) = edges.iter().partition(|e| e.vertical);
    let (v, mut h) = (merge(v), merge(h));
    if v.is_empty() || h.is_empty() || v.len() + h.len() > MAX_EDGES {
        return Vec::new();
    }
    let drawn = h.len();
    close_dangling(&v, &mut h);
    // intersections: point → (horizontal lines, vertical lines) through it
    let mut points: BTreeMap<(i64, i64), (Vec<usize>, Vec<usize>)> = BTreeMap::new();
    for (vi, ve) in v.iter().enumerate() {
        for (hi, he) in h.iter().enumerate() {
            if he.a - SNAP <= ve.pos
                && ve.pos <= he.b + SNAP
                && ve.a - SNAP <= he.pos
                && he.pos <= ve.b + SNAP
            {
                let p = points.entry((key(ve.pos), key(he.pos))).or_default();
                p.0.push(hi);
                p.1.push(vi);
            }
        }
        if points.len() > MAX_POINTS {
            return Vec::new();
        }
    }
    // per column x: the points' y in order; per row y: the points' x
    let mut by_x: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut by_y: HashMap<i64, Vec<i64>> = HashMap::new();
    for &(x, y) in points.keys() {
        by_x.entry(x).or_default().push(y);
        by_y.entry(y).or_default().push(x);
    }
    for list in by_x.values_mut().chain(by_y.values_mut()) {
        list.sort_unstable();
    }
    let shares = |a: &[usize], b: &[usize]| a.iter().any(|i| b.contains(i));
    let mut cells: Vec<Corners> = Vec::new();
    for (&(x, y), (hs, vs)) in &points {
        let below = by_x.get(&x).map_or(&[][..], |l| {
            let at = l.partition_point(|&t| t <= y);
            &l[at..]
        });
        let right = by_y.get(&y).map_or(&[][..], |l| {
            let at = l.partition_point(|&t| t <= x);
            &l[at..]
        });
        'search: for &by in below {
            let Some((_, bvs)) = points.get(&(x, by)) else {
                continue;
            };
            if !shares(vs, bvs) {
                break;
            }
            for &rx in right {
                let Some((rhs, _)) = points.get(&(rx, y)) else {
                    continue;
                };
                if !shares(hs, rhs) {
                    break;
                }
                let (Some((bhs, _)), Some((chs, cvs)), Some((_, rvs))) = (
                    points.get(&(x, by)),
                    points.get(&(rx, by)),
                    points.get(&(rx, y)),
                ) else {
                    continue;
                };
                if shares(chs, bhs) && shares(cvs, rvs) {
                    cells.push(((x, y), (rx, by)));
                    break 'search;
                }
            }
        }
    }
    let mut grids = tables(&cells);
    let closed = &h[drawn..];
    // open across (nearly) its whole width: a row cut, not a merged cell
    let on = |y: f32, b: &Cell| {
        let closed_width: f32 = closed
            .iter()
            .filter(|e| (e.pos - y).abs() <= SNAP)
            .map(|e| (e.b.min(b.x1) - e.a.max(b.x0)).max(0.0))
            .sum();
        closed_width >= 0.9 * (b.x1 - b.x0)
    };
    for g in &mut grids {
        g.open_top = on(g.bbox.top, &g.bbox);
        g.open_bottom = on(g.bbox.bottom, &g.bbox);
    }
    grids
}

/// A cell as its top-left and bottom-right points (map keys).
type Corners = ((i64, i64), (i64, i64));

/// Groups cells sharing a corner into tables (union-find over corners).
fn tables(cells: &[Corners]) -> Vec<Grid> {
    let mut parent: Vec<usize> = (0..cells.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: HashMap<(i64, i64), usize> = HashMap::new();
    for (i, &((x0, y0), (x1, y1))) in cells.iter().enumerate() {
        for corner in [(x0, y0), (x1, y0), (x0, y1), (x1, y1)] {
            match owner.get(&corner) {
                Some(&j) => {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                None => {
                    owner.insert(corner, i);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<Cell>> = BTreeMap::new();
    for (i, &((x0, y0), (x1, y1))) in cells.iter().enumerate() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(Cell {
            x0: x0 as f32 / 100.0,
            x1: x1 as f32 / 100.0,
            top: y0 as f32 / 100.0,
            bottom: y1 as f32 / 100.0,
        });
    }
    let mut out: Vec<Grid> = groups
        .into_values()
        .map(|mut cells| {
            cells.sort_by(|a, b| a.top.total_cmp(&b.top).then(a.x0.total_cmp(&b.x0)));
            let bbox = cells.iter().fold(cells[0], |b, c| Cell {
                x0: b.x0.min(c.x0),
                x1: b.x1.max(c.x1),
                top: b.top.min(c.top),
                bottom: b.bottom.max(c.bottom),
            });
            Grid {
                cells,
                bbox,
                open_top: false,
                open_bottom: false,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        a.bbox
            .top
            .total_cmp(&b.bbox.top)
            .then(a.bbox.x0.total_cmp(&b.bbox.x0))
    });
    out
}

/// Where the cells of a grid sit: its column and row boundaries, and for
/// each cell its (row, first column, columns spanned).
pub struct Layout {
    pub cols: Vec<f32>,
    pub rows: Vec<f32>,
    pub place: Vec<(usize, usize, usize)>,
}

/// Index of the boundary nearest to `v` in a sorted list.
fn nearest(list: &[f32], v: f32) -> usize {
    let at = list.partition_point(|&b| b < v);
    match (at.checked_sub(1), list.get(at)) {
        (Some(p), Some(&n)) if (v - list[p]).abs() <= (n - v).abs() => p,
        (Some(p), None) => p,
        _ => at.min(list.len().saturating_sub(1)),
    }
}

/// Sorted distinct values, those within `tol` of the previous dropped.
fn distinct(mut v: Vec<f32>, tol: f32) -> Vec<f32> {
    v.sort_by(f32::total_cmp);
    let mut out: Vec<f32> = Vec::new();
    for x in v {
        if out.last().is_none_or(|&l| x - l > tol) {
            out.push(x);
        }
    }
    out
}

/// The column and row of each cell of `grid`.
pub fn layout(grid: &Grid) -> Layout {
    let cols = distinct(grid.cells.iter().flat_map(|c| [c.x0, c.x1]).collect(), 1.0);
    let rows = distinct(grid.cells.iter().map(|c| c.top).collect(), 1.0);
    let place = grid
        .cells
        .iter()
        .map(|c| {
            let (a, b) = (nearest(&cols, c.x0), nearest(&cols, c.x1));
            (nearest(&rows, c.top), a, b.saturating_sub(a).max(1))
        })
        .collect();
    Layout { cols, rows, place }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(y: f32, a: f32, b: f32) -> Edge {
        Edge {
            vertical: false,
            pos: y,
            a,
            b,
        }
    }
    fn v(x: f32, a: f32, b: f32) -> Edge {
        Edge {
            vertical: true,
            pos: x,
            a,
            b,
        }
    }

    #[test]
    fn snapping_and_joining() {
        let got = merge(vec![
            h(10.0, 0.0, 50.0),
            h(11.5, 52.0, 100.0),
            h(40.0, 0.0, 2.0),
        ]);
        assert_eq!(got.len(), 1);
        assert_eq!((got[0].pos, got[0].a, got[0].b), (10.75, 0.0, 100.0));
    }

    #[test]
    fn a_two_by_two_grid_with_a_merged_top_row() {
        // top row one cell across both columns; bottom row two cells
        let edges = [
            h(0.0, 0.0, 100.0),
            h(20.0, 0.0, 100.0),
            h(40.0, 0.0, 100.0),
            v(0.0, 0.0, 40.0),
            v(100.0, 0.0, 40.0),
            v(50.0, 20.0, 40.0),
        ];
        let g = grids(&edges);
        assert_eq!(g.len(), 1);
        let cells: Vec<_> = g[0]
            .cells
            .iter()
            .map(|c| (c.x0, c.top, c.x1, c.bottom))
            .collect();
        assert_eq!(
            cells,
            [
                (0.0, 0.0, 100.0, 20.0),
                (0.0, 20.0, 50.0, 40.0),
                (50.0, 20.0, 100.0, 40.0)
            ]
        );
        let l = layout(&g[0]);
        assert_eq!(l.cols, [0.0, 50.0, 100.0]);
        assert_eq!(l.place, [(0, 0, 2), (1, 0, 1), (1, 1, 1)]);
    }

    #[test]
    fn a_row_cut_by_the_page_break_is_closed() {
        // the last row's bottom border is missing: its verticals dangle
        let edges = [
            h(0.0, 0.0, 100.0),
            h(20.0, 0.0, 100.0),
            v(0.0, 0.0, 80.0),
            v(40.0, 0.0, 80.0),
            v(100.0, 0.0, 80.0),
        ];
        let g = grids(&edges);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].cells.len(), 4);
        assert_eq!(g[0].bbox.bottom, 80.0);
        assert!(g[0].open_bottom && !g[0].open_top);
        // a merged first-column cell cut by the break: the others closed
        let edges = [
            h(0.0, 0.0, 100.0),
            h(80.0, 40.0, 100.0),
            v(0.0, 0.0, 80.0),
            v(40.0, 0.0, 80.0),
            v(100.0, 0.0, 80.0),
        ];
        let g = grids(&edges);
        assert_eq!(g[0].cells.len(), 2);
        assert!(!g[0].open_bottom, "a merged cell cut, not the row");
    }

    #[test]
    fn a_dense_grid_is_read_and_a_denser_one_is_a_drawing() {
        let lines = |n: usize| {
            let end = n as f32 * 10.0;
            (0..=n)
                .flat_map(|k| {
                    let at = k as f32 * 10.0;
                    [h(at, 0.0, end), v(at, 0.0, end)]
                })
                .collect::<Vec<_>>()
        };
        let g = grids(&lines(100));
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].cells.len(), 100 * 100);
        // 301 × 301 crossings, over MAX_POINTS: not looked at cell by cell
        assert!(grids(&lines(300)).is_empty());
    }

    #[test]
    fn lines_that_stop_short_still_meet_within_the_tolerance() {
        let edges = [
            h(0.0, 1.5, 98.0),
            h(20.0, 0.0, 100.0),
            v(0.0, 2.0, 20.0),
            v(100.0, 0.0, 18.5),
        ];
        let g = grids(&edges);
        assert_eq!(g.len(), 1);
        assert_eq!(g[0].cells.len(), 1);
    }

    #[test]
    fn two_separate_tables_and_no_table_without_crossings() {
        let boxed = |y: f32| {
            vec![
                h(y, 0.0, 10.0),
                h(y + 10.0, 0.0, 10.0),
                v(0.0, y, y + 10.0),
                v(10.0, y, y + 10.0),
            ]
        };
        let mut edges = boxed(0.0);
        edges.extend(boxed(100.0));
        assert_eq!(grids(&edges).len(), 2);
        assert!(grids(&[h(0.0, 0.0, 10.0), h(5.0, 0.0, 10.0)]).is_empty());
    }
}
