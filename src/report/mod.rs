//! Pictures and tables for people: SVG forest and funnel plots (later: PRISMA
//! flow, gap maps, the briefing). Writes nothing itself; returns text.

pub mod svg;
