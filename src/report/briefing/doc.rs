//! The briefing's small document model and its two writers: every section
//! builds [`Block`]s once, and [`write`] turns them into HTML and Markdown,
//! so the two forms cannot say different things. Figures are numbered here,
//! in the order they appear, for both forms at once.
//!
//! Not a general Markdown or HTML library: only what the briefing uses.

use super::super::svg::esc;
use std::fmt::Write;

/// A run of text with one style.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Inline {
    /// Plain text.
    Text(String),
    /// Bold.
    Strong(String),
    /// A term defined here, at its first use.
    Dfn(String),
    /// Emphasis.
    Em(String),
    /// Code (search strings).
    Code(String),
    /// A link to a file beside the briefing.
    Link { text: String, href: String },
    /// A word marked as material (a trigger fired).
    Material(String),
    /// The retraction mark of a reference.
    Retracted,
}

/// A line of inline runs.
pub(super) type Line = Vec<Inline>;

/// Plain text as a line.
pub(super) fn text(s: impl Into<String>) -> Line {
    vec![Inline::Text(s.into())]
}

/// One table row.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    /// `data-change` of the row (what's new), if any.
    pub change: Option<&'static str>,
    /// Whether the row is material (highlighted, bold in Markdown).
    pub material: bool,
    /// The cells.
    pub cells: Vec<Line>,
}

/// A block of the briefing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// A heading (level 1 to 3), with the id sections are found by.
    Heading {
        level: u8,
        id: Option<&'static str>,
        text: String,
    },
    /// A paragraph.
    Para {
        class: Option<&'static str>,
        text: Line,
    },
    /// A list.
    List {
        ordered: bool,
        class: Option<&'static str>,
        items: Vec<Line>,
    },
    /// A table with a header row.
    Table {
        id: &'static str,
        head: Vec<&'static str>,
        rows: Vec<Row>,
    },
    /// A numbered figure: the SVG inline in HTML, a file in Markdown.
    Figure {
        id: Option<&'static str>,
        class: Option<&'static str>,
        svg: String,
        file: String,
        /// Short text for the Markdown image.
        alt: String,
        /// The caption, after "Figure n.".
        caption: Line,
    },
    /// The start of a grouping element (HTML only).
    Open {
        tag: &'static str,
        attrs: Vec<(&'static str, String)>,
    },
    /// Its end.
    Close { tag: &'static str },
}

/// The briefing's body as HTML and Markdown, and the Markdown's figures.
pub(super) struct Written {
    pub html: String,
    pub markdown: String,
    pub figures: Vec<(String, String)>,
}

fn html_inline(line: &[Inline]) -> String {
    let mut s = String::new();
    for i in line {
        match i {
            Inline::Text(t) => s.push_str(&esc(t)),
            Inline::Strong(t) => {
                let _ = write!(s, "<strong>{}</strong>", esc(t));
            }
            Inline::Dfn(t) => {
                let _ = write!(s, "<dfn>{}</dfn>", esc(t));
            }
            Inline::Em(t) => {
                let _ = write!(s, "<em>{}</em>", esc(t));
            }
            Inline::Code(t) => {
                let _ = write!(s, "<code>{}</code>", esc(t));
            }
            Inline::Link { text, href: h } => {
                let _ = write!(s, "<a href=\"{}\">{}</a>", esc(&href(h)), esc(text));
            }
            Inline::Material(t) => {
                let _ = write!(s, "<span class=\"material\">{}</span>", esc(t));
            }
            Inline::Retracted => s.push_str(" <span class=\"retracted\">RETRACTED</span>"),
        }
    }
    s
}

/// Text made literal in Markdown: the one escaping function for every piece
/// of text the Markdown writer puts in (record titles, authors, journals,
/// study names, category labels, reasons, notes, the protocol's text), so
/// that no renderer makes markup, a link, an image or a new block of it.
///
/// - Line breaks and other control characters become spaces: text never
///   starts a block of its own (a heading, a list, a raw HTML block).
/// - `<` and `>` become `&lt;` and `&gt;`, and `&` that could start an
///   entity `&amp;`: no renderer reads a character reference as markup,
///   whereas `\<` is literal only in CommonMark (Markdown.pl and
///   Python-Markdown pass `\<iframe …>` on as HTML).
/// - Markdown's own characters (backslash, backtick, `*`, `_`, `[`, `]`,
///   `{`, `}`, `#`, `~`) get a backslash, as
///   does `(` after `]` and `!` before `[`: no link, image or emphasis.
/// - `://` and `www.` get a backslash, so that GitHub's and markdown-it's
///   bare-URL links do not turn a record's text into a link.
///
/// A table's writer also escapes `|` (in every cell, code included). Code
/// spans keep their text as written ([`md_code`]); links are only those
/// Lacuna makes ([`href`]). Block starts are guarded by [`md_line`].
fn md_text(t: &str) -> String {
    let mut s = String::with_capacity(t.len() + 8);
    let chars: Vec<char> = t.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        match c {
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') => s.push(' '),
            '<' => s.push_str("&lt;"),
            '>' => s.push_str("&gt;"),
            '&' if next.is_some_and(|n| n == '#' || n.is_ascii_alphanumeric()) => {
                s.push_str("&amp;")
            }
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '#' | '~' => {
                s.push('\\');
                s.push(c);
            }
            '(' if prev == Some(']') => s.push_str("\\("),
            '!' if next == Some('[') => s.push_str("\\!"),
            ':' if chars.get(i + 1..i + 3) == Some(&['/', '/']) => s.push_str("\\:"),
            '.' if i >= 3
                && chars
                    .get(i - 3..i)
                    .is_some_and(|w| w.iter().all(|c| c.eq_ignore_ascii_case(&'w')))
                && (i == 3 || chars.get(i - 4).is_some_and(|c| !c.is_alphanumeric())) =>
            {
                s.push_str("\\.")
            }
            c => s.push(c),
        }
    }
    s
}

/// A line's start made safe: what begins a block (`-`, `+` or `=` first, a
/// number then `.` or `)`, leading spaces) is made literal, so that a line
/// written from text stays the paragraph or list item it is.
fn md_line(line: String) -> String {
    let t = line.trim_start();
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if t.starts_with(['-', '+', '=']) {
        format!("\\{t}")
    } else if digits > 0 && t.get(digits..).is_some_and(|r| r.starts_with(['.', ')'])) {
        let (n, rest) = t.split_at(digits);
        format!("{n}\\{rest}")
    } else {
        t.to_string()
    }
}

/// A code span: the text as written (line breaks as spaces, which a code
/// span cannot hold), fenced by a run of backticks longer than any inside.
fn md_code(t: &str) -> String {
    let t: String = t
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let mut fence = "`".to_string();
    while t.contains(fence.as_str()) {
        fence.push('`');
    }
    format!("{fence} {t} {fence}")
}

/// A link's target as written into either form: only what Lacuna makes.
/// An `http` or `https` address (a DOI's or PubMed's) keeps its scheme and
/// host, with every character a Markdown link or an HTML attribute could
/// break on percent-encoded; anything else is a file written beside the
/// briefing, percent-encoded whole (so it never carries a scheme such as
/// `javascript:` and never leaves the briefing's folder).
fn href(h: &str) -> String {
    let lower = h.get(..8).unwrap_or(h).to_ascii_lowercase();
    let web = lower.starts_with("https://") || lower.starts_with("http://");
    let mut s = String::with_capacity(h.len());
    for b in h.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (web
                && matches!(
                    b,
                    b':' | b'/' | b'?' | b'#' | b'@' | b'=' | b'&' | b'+' | b',' | b';' | b'%'
                ));
        if keep {
            s.push(char::from(b));
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn md_inline(line: &[Inline]) -> String {
    let mut s = String::new();
    for i in line {
        match i {
            Inline::Text(t) => s.push_str(&md_text(t)),
            Inline::Strong(t) | Inline::Dfn(t) | Inline::Material(t) => {
                let _ = write!(s, "**{}**", md_text(t));
            }
            Inline::Em(t) => {
                let _ = write!(s, "*{}*", md_text(t));
            }
            Inline::Code(t) => s.push_str(&md_code(t)),
            Inline::Link { text, href: h } => {
                let _ = write!(s, "[{}]({})", md_text(text), href(h));
            }
            Inline::Retracted => s.push_str(" **RETRACTED**"),
        }
    }
    s
}

fn attr(name: &str, v: Option<&str>) -> String {
    v.map(|v| format!(" {name}=\"{}\"", esc(v)))
        .unwrap_or_default()
}

/// Write the blocks in both forms.
pub(super) fn write(blocks: &[Block]) -> Written {
    let mut html = String::new();
    let mut md = String::new();
    let mut figures = Vec::new();
    let mut n_fig = 0;
    for b in blocks {
        match b {
            Block::Heading { level, id, text } => {
                let _ = writeln!(
                    html,
                    "<h{level}{}>{}</h{level}>",
                    attr("id", *id),
                    esc(text)
                );
                let _ = writeln!(
                    md,
                    "{} {}\n",
                    "#".repeat(usize::from(*level)),
                    md_text(text)
                );
            }
            Block::Para { class, text } => {
                let _ = writeln!(
                    html,
                    "<p{}>{}</p>",
                    attr("class", *class),
                    html_inline(text)
                );
                let _ = writeln!(md, "{}\n", md_line(md_inline(text)));
            }
            Block::List {
                ordered,
                class,
                items,
            } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let _ = writeln!(html, "<{tag}{}>", attr("class", *class));
                for (i, item) in items.iter().enumerate() {
                    let _ = writeln!(html, "<li>{}</li>", html_inline(item));
                    if *ordered {
                        let _ = writeln!(md, "{}. {}", i + 1, md_line(md_inline(item)));
                    } else {
                        let _ = writeln!(md, "- {}", md_line(md_inline(item)));
                    }
                }
                let _ = writeln!(html, "</{tag}>");
                md.push('\n');
            }
            Block::Table { id, head, rows } => {
                let _ = write!(html, "<table id=\"{id}\"><thead><tr>");
                for h in head {
                    let _ = write!(html, "<th>{}</th>", esc(h));
                }
                html.push_str("</tr></thead><tbody>\n");
                let _ = writeln!(
                    md,
                    "| {} |\n|{}",
                    head.iter()
                        .map(|h| md_text(h).replace('|', "\\|"))
                        .collect::<Vec<_>>()
                        .join(" | "),
                    "---|".repeat(head.len())
                );
                for r in rows {
                    let _ = write!(
                        html,
                        "<tr{}{}>",
                        attr("data-change", r.change),
                        if r.material {
                            " class=\"material\""
                        } else {
                            ""
                        }
                    );
                    let mut cells = Vec::new();
                    for (j, c) in r.cells.iter().enumerate() {
                        let _ = write!(html, "<td>{}</td>", html_inline(c));
                        let t = md_inline(c).replace('|', "\\|");
                        cells.push(if r.material && j == 0 {
                            format!("**{t}**")
                        } else {
                            t
                        });
                    }
                    html.push_str("</tr>\n");
                    let _ = writeln!(md, "| {} |", cells.join(" | "));
                }
                html.push_str("</tbody></table>\n");
                md.push('\n');
            }
            Block::Figure {
                id,
                class,
                svg,
                file,
                alt,
                caption,
            } => {
                n_fig += 1;
                let _ = writeln!(
                    html,
                    "<figure{}{}>{svg}<figcaption>Figure {n_fig}. {}</figcaption></figure>",
                    attr("id", *id),
                    attr("class", *class),
                    html_inline(caption)
                );
                let _ = writeln!(
                    md,
                    "![Figure {n_fig}. {}]({})\n\n*Figure {n_fig}.* {}\n",
                    md_text(alt),
                    href(file),
                    md_inline(caption)
                );
                figures.push((file.clone(), svg.clone()));
            }
            Block::Open { tag, attrs } => {
                let _ = write!(html, "<{tag}");
                for (k, v) in attrs {
                    let _ = write!(html, " {k}=\"{}\"", esc(v));
                }
                html.push_str(">\n");
            }
            Block::Close { tag } => {
                let _ = writeln!(html, "</{tag}>");
            }
        }
    }
    Written {
        html,
        markdown: md,
        figures,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_block_says_the_same_in_both_forms() {
        let w = write(&[
            Block::Para {
                class: None,
                text: vec![
                    Inline::Dfn("CI".into()),
                    Inline::Text(" (a <range>) of 2 * 3".into()),
                ],
            },
            Block::Figure {
                id: None,
                class: Some("forest"),
                svg: "<svg></svg>".into(),
                file: "f.svg".into(),
                alt: "Forest".into(),
                caption: text("A plot."),
            },
        ]);
        assert_eq!(
            w.html,
            "<p><dfn>CI</dfn> (a &lt;range&gt;) of 2 * 3</p>\n<figure class=\"forest\"><svg></svg><figcaption>Figure 1. A plot.</figcaption></figure>\n"
        );
        assert_eq!(
            w.markdown,
            "**CI** (a &lt;range&gt;) of 2 \\* 3\n\n![Figure 1. Forest](f.svg)\n\n*Figure 1.* A plot.\n\n"
        );
        assert_eq!(
            w.figures,
            vec![("f.svg".to_string(), "<svg></svg>".to_string())]
        );
    }

    /// Invariant: record text never becomes markup, a link, an image, a
    /// new block or a bare-URL link in Markdown, and reads the same once
    /// rendered (escaped, not dropped).
    #[test]
    fn record_text_is_literal_in_markdown() {
        let hostile = "T <script>alert(1)</script> <iframe src=\"http://x.example/\"></iframe> [click](javascript:alert(2)) ![x](http://x.example/p.png) *a* _b_ `c` #d ~~e~~ {: x} www.x.example &amp; R & D\n\n# head\n<div>";
        let md = md_text(hostile);
        for bad in [
            "<script", "<iframe", "<div", "](", "![", "http://", "www.x", "\n",
        ] {
            assert!(!md.contains(bad), "{bad:?} in {md}");
        }
        assert!(md.starts_with("T &lt;script&gt;alert(1)&lt;/script&gt; &lt;iframe src="));
        assert!(md.contains("\\[click\\]\\(javascript:alert(2))"), "{md}");
        assert!(md.contains("&amp;amp; R & D  \\# head &lt;div&gt;"), "{md}");
        // a line written from text stays the block it is
        assert_eq!(md_line("- x".into()), "\\- x");
        assert_eq!(md_line("   2021. x".into()), "2021\\. x");
        assert_eq!(md_line("Hilden 2021".into()), "Hilden 2021");
        // a code span holds its text, on one line
        assert_eq!(md_code("a`b\n\n<c>"), "`` a`b  <c> ``");
    }

    #[test]
    fn links_are_only_what_lacuna_makes() {
        assert_eq!(href("gapmap.html"), "gapmap.html");
        assert_eq!(href("javascript:alert(1)"), "javascript%3Aalert%281%29");
        assert_eq!(href("../x y.svg"), "..%2Fx%20y.svg");
        assert_eq!(
            href("https://doi.org/10.1/a)\"><script>"),
            "https://doi.org/10.1/a%29%22%3E%3Cscript%3E"
        );
        let w = write(&[Block::Para {
            class: None,
            text: vec![Inline::Link {
                text: "map".into(),
                href: "javascript:alert(1)".into(),
            }],
        }]);
        assert!(!w.html.contains("href=\"javascript:"), "{}", w.html);
        assert!(!w.markdown.contains("](javascript:"), "{}", w.markdown);
    }
}
