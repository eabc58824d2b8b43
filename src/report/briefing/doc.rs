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
            Inline::Link { text, href } => {
                let _ = write!(s, "<a href=\"{}\">{}</a>", esc(href), esc(text));
            }
            Inline::Material(t) => {
                let _ = write!(s, "<span class=\"material\">{}</span>", esc(t));
            }
            Inline::Retracted => s.push_str(" <span class=\"retracted\">RETRACTED</span>"),
        }
    }
    s
}

/// Markdown's own characters in running text, made literal.
fn md_escape(t: &str) -> String {
    let mut s = String::with_capacity(t.len());
    for c in t.chars() {
        if matches!(c, '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

fn md_inline(line: &[Inline]) -> String {
    let mut s = String::new();
    for i in line {
        match i {
            Inline::Text(t) => s.push_str(&md_escape(t)),
            Inline::Strong(t) | Inline::Dfn(t) | Inline::Material(t) => {
                let _ = write!(s, "**{}**", md_escape(t));
            }
            Inline::Em(t) => {
                let _ = write!(s, "*{}*", md_escape(t));
            }
            Inline::Code(t) => {
                // a run of backticks longer than any inside the code
                let mut fence = "`".to_string();
                while t.contains(fence.as_str()) {
                    fence.push('`');
                }
                let _ = write!(s, "{fence} {t} {fence}");
            }
            Inline::Link { text, href } => {
                let _ = write!(s, "[{}]({href})", md_escape(text));
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
                    md_escape(text)
                );
            }
            Block::Para { class, text } => {
                let _ = writeln!(
                    html,
                    "<p{}>{}</p>",
                    attr("class", *class),
                    html_inline(text)
                );
                let _ = writeln!(md, "{}\n", md_inline(text));
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
                        let _ = writeln!(md, "{}. {}", i + 1, md_inline(item));
                    } else {
                        let _ = writeln!(md, "- {}", md_inline(item));
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
                        .map(|h| md_escape(h))
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
                    "![Figure {n_fig}. {}]({file})\n\n*Figure {n_fig}.* {}\n",
                    md_escape(alt),
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
            "**CI** (a \\<range\\>) of 2 \\* 3\n\n![Figure 1. Forest](f.svg)\n\n*Figure 1.* A plot.\n\n"
        );
        assert_eq!(
            w.figures,
            vec![("f.svg".to_string(), "<svg></svg>".to_string())]
        );
    }
}
