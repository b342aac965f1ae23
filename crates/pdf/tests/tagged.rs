//! The PDFs are tagged: a structure tree whose elements hold every marked-content sequence
//! exactly once, headings and tables marked as such, and page furniture as artifacts. The file
//! is read here with a small parser of its own (objects, content streams, structure elements).

use pulje_pdf::{render, Block};
use std::collections::BTreeMap;

/// The objects of a PDF written by `render`, by number.
fn objects(pdf: &[u8]) -> BTreeMap<usize, String> {
    let text = String::from_utf8_lossy(pdf);
    let mut out = BTreeMap::new();
    let mut rest: &str = &text;
    while let Some(at) = rest.find(" 0 obj\n") {
        let number_start = rest[..at].rfind('\n').map_or(0, |n| n + 1);
        let number: usize = rest[number_start..at].parse().expect("object number");
        let body_start = at + " 0 obj\n".len();
        let end = rest[body_start..].find("\nendobj\n").expect("endobj") + body_start;
        out.insert(number, rest[body_start..end].to_string());
        rest = &rest[end..];
    }
    out
}

/// The value after `key` in a dictionary, up to the next space, `>` or `]`.
fn value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let at = dict.find(&format!("{key} "))? + key.len() + 1;
    let rest = &dict[at..];
    let end = rest.find([' ', '>', ']']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The object number after `key` (the first numeric value: in `/S /P /P 9 0 R` the tag comes
/// first).
fn reference(dict: &str, key: &str) -> Option<usize> {
    let mut rest = dict;
    while let Some(v) = value(rest, key) {
        if let Ok(n) = v.parse() {
            return Some(n);
        }
        rest = &rest[rest.find(&format!("{key} ")).unwrap() + key.len()..];
    }
    None
}

/// A PDF string literal from `render` (octal escapes for Danish letters) as text.
fn decode(literal: &str) -> String {
    let bytes = literal.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 4 <= bytes.len() && bytes[i + 1].is_ascii_digit() {
            let code = u8::from_str_radix(&literal[i + 1..i + 4], 8).expect("octal");
            // WinAnsi is Latin-1 for the Danish letters; the en dash is its own.
            out.push(if code == 0o226 { '–' } else { code as char });
            i += 4;
        } else if bytes[i] == b'\\' {
            out.push(bytes[i + 1] as char);
            i += 2;
        } else {
            out.push(bytes[i] as char);
            i += 1;
        }
    }
    out
}

/// A marked-content sequence in a content stream: its tag, MCID (none for an artifact) and the
/// text shown in it.
#[derive(Debug)]
struct Marked {
    tag: String,
    mcid: Option<usize>,
    text: String,
}

/// Every line of a content stream; each must be one marked-content sequence.
fn marked(content: &str) -> Vec<Marked> {
    content
        .lines()
        .filter(|l| !l.is_empty())
        .map(|line| {
            assert!(
                line.starts_with('/') && line.ends_with("EMC"),
                "content outside a marked-content sequence: {line}"
            );
            let tag = line[1..line.find([' ', '<']).unwrap()].to_string();
            let mcid = line
                .find("<</MCID ")
                .map(|at| value(&line[at + 2..], "/MCID").unwrap().parse().unwrap());
            let text = match (line.find("Td ("), line.rfind(") Tj")) {
                (Some(a), Some(b)) => decode(&line[a + 4..b]),
                _ => String::new(),
            };
            Marked { tag, mcid, text }
        })
        .collect()
}

struct Tagged {
    objects: BTreeMap<usize, String>,
    /// Per page object: its `/StructParents` and its marked-content sequences.
    pages: BTreeMap<usize, (usize, Vec<Marked>)>,
    /// Structure elements by object number.
    elems: BTreeMap<usize, String>,
}

impl Tagged {
    fn read(pdf: &[u8]) -> Tagged {
        let objects = objects(pdf);
        let mut pages = BTreeMap::new();
        for (n, body) in &objects {
            if body.starts_with("<< /Type /Page ") {
                let contents = &objects[&reference(body, "/Contents").unwrap()];
                let stream = &contents[contents.find("stream\n").unwrap() + 7
                    ..contents.rfind("\nendstream").unwrap()];
                let parents = value(body, "/StructParents").unwrap().parse().unwrap();
                pages.insert(*n, (parents, marked(stream)));
            }
        }
        let elems = objects
            .iter()
            .filter(|(_, b)| b.starts_with("<< /Type /StructElem "))
            .map(|(n, b)| (*n, b.clone()))
            .collect();
        Tagged {
            objects,
            pages,
            elems,
        }
    }

    fn tag(&self, elem: usize) -> &str {
        value(&self.elems[&elem], "/S")
            .unwrap()
            .trim_start_matches('/')
    }

    /// The element's kids: elements by number, marked content as (page, MCID).
    fn kids(&self, elem: usize) -> (Vec<usize>, Vec<(usize, usize)>) {
        let body = &self.elems[&elem];
        let k = &body[body.find("/K [").unwrap() + 4..body.rfind(']').unwrap()];
        let mut elems = Vec::new();
        let mut mcrs = Vec::new();
        let mut rest = k.trim();
        while !rest.is_empty() {
            if rest.starts_with("<<") {
                let end = rest.find(">>").unwrap() + 2;
                let mcr = &rest[..end];
                mcrs.push((
                    reference(mcr, "/Pg").unwrap(),
                    value(mcr, "/MCID").unwrap().parse().unwrap(),
                ));
                rest = rest[end..].trim_start();
            } else {
                let end = rest.find(" R").unwrap();
                elems.push(rest[..end].trim_end_matches(" 0").parse().unwrap());
                rest = rest[end + 2..].trim_start();
            }
        }
        (elems, mcrs)
    }

    fn text_of(&self, elem: usize) -> String {
        let (elems, mcrs) = self.kids(elem);
        let mut parts: Vec<String> = mcrs
            .iter()
            .map(|(page, mcid)| {
                let seq = self.pages[page].1.iter().find(|m| m.mcid == Some(*mcid));
                seq.unwrap().text.clone()
            })
            .collect();
        parts.extend(elems.iter().map(|e| self.text_of(*e)));
        parts.join(" ")
    }

    fn with_tag(&self, tag: &str) -> Vec<usize> {
        self.elems
            .keys()
            .copied()
            .filter(|e| self.tag(*e) == tag)
            .collect()
    }
}

fn sample() -> Vec<u8> {
    let rows: Vec<Vec<String>> = (1..=80)
        .map(|n| {
            vec![
                n.to_string(),
                format!("Forsøg {n} på Ærø"),
                format!("{n}.000 kr."),
            ]
        })
        .collect();
    render(
        "Evaluering af puljen",
        "Region Syddanmark",
        &[
            Block::Title("Evaluering af puljen".into()),
            Block::Paragraph("Rapporten samler forsøgene i regionen.".into()),
            Block::Fact("Periode".into(), "2022–2024".into()),
            Block::Heading("Forsøg pr. hospital".into()),
            Block::Table {
                header: vec!["Nr.".into(), "Titel".into(), "Bevilget".into()],
                widths: vec![1.0, 5.0, 2.0],
                rows,
            },
            Block::PageBreak,
            Block::Heading("Anbefalinger".into()),
            Block::Paragraph("Fortsæt ordningen.".into()),
        ],
    )
}

#[test]
fn the_catalog_declares_a_tagged_danish_document_with_its_title_shown() {
    let pdf = sample();
    assert!(pdf.starts_with(b"%PDF-1.7\n"));
    let t = Tagged::read(&pdf);
    let catalog = &t.objects[&1];
    assert!(catalog.contains("/Lang (da-DK)"), "{catalog}");
    assert!(
        catalog.contains("/MarkInfo << /Marked true >>"),
        "{catalog}"
    );
    assert!(catalog.contains("/ViewerPreferences << /DisplayDocTitle true >>"));
    let root = &t.objects[&reference(catalog, "/StructTreeRoot").unwrap()];
    assert!(root.starts_with("<< /Type /StructTreeRoot "), "{root}");
    let document = reference(root, "/K").unwrap();
    assert_eq!(t.tag(document), "Document");
    let metadata = &t.objects[&reference(catalog, "/Metadata").unwrap()];
    assert!(metadata.contains("/Subtype /XML"));
    assert!(
        metadata.contains(">Evaluering af puljen</rdf:li>"),
        "{metadata}"
    );
    assert!(metadata.contains("<rdf:li>da-DK</rdf:li>"));
    assert!(
        !metadata.contains("pdfuaid"),
        "no PDF/UA claim without embedded fonts"
    );
    let info = &t.objects[&5];
    // "Evaluering af puljen" in UTF-16BE.
    assert!(
        info.starts_with("<< /Title <FEFF004500760061006C"),
        "{info}"
    );
}

#[test]
fn every_mcid_is_in_the_tree_exactly_once_and_the_parent_tree_agrees() {
    let pdf = sample();
    let t = Tagged::read(&pdf);
    assert!(t.pages.len() >= 3, "the sample spans pages");
    // Where each (page, MCID) is referenced from.
    let mut owners: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for e in t.elems.keys() {
        for mcr in t.kids(*e).1 {
            owners.entry(mcr).or_default().push(*e);
        }
    }
    let root = &t.objects[&reference(&t.objects[&1], "/StructTreeRoot").unwrap()];
    let parent_tree = &t.objects[&reference(root, "/ParentTree").unwrap()];
    let mut seen = 0;
    for (page, (parents, seqs)) in &t.pages {
        let key = format!("{parents} [");
        let at = parent_tree.find(&format!(" {key}")).map(|a| a + 1);
        let at = at.or_else(|| parent_tree.find(&format!("[{key}")).map(|a| a + 1));
        let list = &parent_tree[at.unwrap() + key.len()..];
        let list = &list[..list.find(']').unwrap()];
        let by_mcid: Vec<usize> = list
            .split(" 0 R")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        for seq in seqs {
            let Some(mcid) = seq.mcid else {
                assert_eq!(seq.tag, "Artifact");
                continue;
            };
            seen += 1;
            let refs = owners.remove(&(*page, mcid)).unwrap_or_default();
            assert_eq!(refs.len(), 1, "MCID {mcid} on page {page}: {refs:?}");
            assert_eq!(
                t.tag(refs[0]),
                seq.tag,
                "the sequence's tag is its element's"
            );
            assert_eq!(by_mcid[mcid], refs[0], "the parent tree names the element");
        }
        assert_eq!(
            by_mcid.len(),
            seqs.iter().filter(|s| s.mcid.is_some()).count()
        );
    }
    assert!(seen > 3 * 80, "every cell is marked: {seen}");
    assert!(
        owners.is_empty(),
        "the tree refers to no other content: {owners:?}"
    );
}

#[test]
fn headings_paragraphs_and_facts_are_marked() {
    let t = Tagged::read(&sample());
    let h1 = t.with_tag("H1");
    assert_eq!(h1.len(), 1);
    assert_eq!(t.text_of(h1[0]), "Evaluering af puljen");
    let h2: Vec<String> = t.with_tag("H2").iter().map(|e| t.text_of(*e)).collect();
    assert_eq!(h2, ["Forsøg pr. hospital", "Anbefalinger"]);
    let p: Vec<String> = t.with_tag("P").iter().map(|e| t.text_of(*e)).collect();
    assert!(p.contains(&"Periode 2022–2024".to_string()), "{p:?}");
    assert!(p.contains(&"Fortsæt ordningen.".to_string()), "{p:?}");
    // The Document holds the blocks in reading order.
    let root = &t.objects[&reference(&t.objects[&1], "/StructTreeRoot").unwrap()];
    let document = reference(root, "/K").unwrap();
    let order: Vec<&str> = t.kids(document).0.iter().map(|e| t.tag(*e)).collect();
    assert_eq!(order, ["H1", "P", "P", "H2", "Table", "H2", "P"]);
}

#[test]
fn a_table_spanning_pages_is_one_table_of_rows_with_header_and_data_cells() {
    let t = Tagged::read(&sample());
    let tables = t.with_tag("Table");
    assert_eq!(tables.len(), 1);
    let rows = t.kids(tables[0]).0;
    assert_eq!(rows.len(), 81, "the header once and 80 rows, across pages");
    assert!(rows.iter().all(|r| t.tag(*r) == "TR"));
    let header = t.kids(rows[0]).0;
    assert_eq!(
        header.iter().map(|c| t.tag(*c)).collect::<Vec<_>>(),
        ["TH", "TH", "TH"]
    );
    for th in &header {
        assert!(t.elems[th].contains("/A << /O /Table /Scope /Column >>"));
    }
    assert_eq!(t.text_of(header[2]), "Bevilget");
    let last = t.kids(rows[80]).0;
    assert_eq!(
        last.iter().map(|c| t.tag(*c)).collect::<Vec<_>>(),
        ["TD", "TD", "TD"]
    );
    assert_eq!(t.text_of(last[1]), "Forsøg 80 på Ærø");
    // On later pages the header is drawn again, as an artifact.
    let repeated: usize = t
        .pages
        .values()
        .map(|(_, seqs)| {
            seqs.iter()
                .filter(|s| s.tag == "Artifact" && s.text == "Bevilget")
                .count()
        })
        .sum();
    assert_eq!(
        repeated,
        t.pages.len() - 2,
        "each page the table continues on"
    );
}

#[test]
fn footer_page_numbers_and_rules_are_artifacts() {
    let t = Tagged::read(&sample());
    let count = t.pages.len();
    for (n, (_, seqs)) in t.pages.values().enumerate() {
        let footer = seqs
            .iter()
            .find(|s| s.text.contains("Side "))
            .expect("a footer on every page");
        assert_eq!(footer.tag, "Artifact");
        assert_eq!(footer.mcid, None);
        assert_eq!(
            footer.text,
            format!("Region Syddanmark   Side {} af {count}", n + 1)
        );
        assert!(seqs
            .iter()
            .filter(|s| s.mcid.is_some())
            .all(|s| !s.text.contains("Side ")));
    }
    let pdf = String::from_utf8_lossy(&sample()).to_string();
    let rules: Vec<&str> = pdf.lines().filter(|l| l.contains(" l S")).collect();
    assert!(!rules.is_empty());
    assert!(rules.iter().all(|l| l.starts_with("/Artifact BMC ")));
    assert!(pdf.contains("/Artifact <</Type /Pagination /Subtype /Footer>> BDC"));
}

#[test]
fn every_page_has_its_struct_parents_and_the_output_is_deterministic() {
    let pdf = sample();
    assert_eq!(pdf, sample());
    let t = Tagged::read(&pdf);
    let keys: Vec<usize> = t.pages.values().map(|(k, _)| *k).collect();
    assert_eq!(keys, (0..t.pages.len()).collect::<Vec<_>>());
    let root = &t.objects[&reference(&t.objects[&1], "/StructTreeRoot").unwrap()];
    assert_eq!(
        value(root, "/ParentTreeNextKey").unwrap(),
        t.pages.len().to_string()
    );
    // Every element points at its parent.
    for (n, body) in &t.elems {
        for kid in t.kids(*n).0 {
            assert_eq!(reference(&t.elems[&kid], "/P"), Some(*n), "{body}");
        }
    }
}

#[test]
fn text_is_still_extracted_in_reading_order() {
    let text = pulje_pdf::extract_text(&sample());
    assert!(
        text.starts_with("Evaluering af puljen\nRapporten samler"),
        "{text}"
    );
    assert!(text.contains("Forsøg 80 på Ærø"));
}
