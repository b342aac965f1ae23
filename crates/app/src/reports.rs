//! The reports as documents: a region's evaluation report and the national view, laid out once
//! as a list of [`Part`]s (headings, paragraphs, facts, tables) and rendered from that into
//! HTML (askama), PDF (`pulje_pdf`), XLSX (`rust_xlsxwriter`: one sheet per table), CSV (one
//! table) and JSON. Used by the pages, the API and the CLI (`pulje report …`).
//!
//! Money is shown in kroner in HTML and PDF, and held as kroner (exact from øre, with a number
//! format) under the plain column titles in XLSX, whose sheets are named after the tables'
//! titles. A table's CSV keeps whole øre in columns headed "(øre)" and is named by the table's
//! id: those names are what other tools read (the CSV snapshots pin them).

use askama::Template;
use pulje_domain::date::format_date_da;
use pulje_domain::figures::Figure;
use pulje_domain::Ore;
use pulje_store::reports::{area_sum_note, NationalReport, RegionalReport, ReportTrial, SECTIONS};

/// `1.234.567 kr.` from øre.
pub fn kr(amount: Ore) -> String {
    amount.to_kr_string()
}

/// An output format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
    Xlsx,
    Json,
}

impl Format {
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "html" => Some(Format::Html),
            "pdf" => Some(Format::Pdf),
            "xlsx" => Some(Format::Xlsx),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Html => "text/html; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::Json => "application/json",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Html => "html",
            Format::Pdf => "pdf",
            Format::Xlsx => "xlsx",
            Format::Json => "json",
        }
    }
}

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    /// Money in øre: kroner on pages, in PDFs and in XLSX, whole øre in CSV.
    Ore,
}

#[derive(Debug, Clone)]
pub struct Column {
    pub title: String,
    pub kind: Kind,
    /// Relative width in the PDF.
    pub width: f32,
}

fn col(title: &str, kind: Kind, width: f32) -> Column {
    Column {
        title: title.into(),
        kind,
        width,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Ore(Ore),
}

impl Cell {
    /// The cell as a page or PDF shows it.
    pub fn display(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Ore(o) => kr(*o),
        }
    }

    pub fn is_number(&self) -> bool {
        !matches!(self, Cell::Text(_))
    }
}

fn text(t: impl Into<String>) -> Cell {
    Cell::Text(t.into())
}

/// A table of a report, with a stable id (the CSV's name) and a title (the sheet's name).
#[derive(Debug, Clone)]
pub struct Table {
    pub id: &'static str,
    pub title: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// Column titles for the CSV: money columns say they are in øre.
    pub fn raw_header(&self) -> Vec<String> {
        self.columns
            .iter()
            .map(|c| match c.kind {
                Kind::Ore => format!("{} (øre)", c.title),
                _ => c.title.clone(),
            })
            .collect()
    }

    /// The table as a workbook sheet named after its title, under its plain column titles,
    /// money in kroner.
    pub fn sheet(&self) -> crate::sheet::Sheet {
        use crate::sheet::Value;
        crate::sheet::Sheet {
            name: self.title.clone(),
            header: self.columns.iter().map(|c| c.title.clone()).collect(),
            rows: self.values(Value::Kroner),
        }
    }

    /// The table as CSV (see [`crate::sheet`]): money as whole øre under "(øre)" titles.
    pub fn csv(&self) -> String {
        crate::sheet::Sheet {
            name: self.id.to_string(),
            header: self.raw_header(),
            rows: self.values(|o| crate::sheet::Value::Int(o.ore())),
        }
        .csv()
    }

    fn values(&self, money: impl Fn(Ore) -> crate::sheet::Value) -> Vec<Vec<crate::sheet::Value>> {
        use crate::sheet::Value;
        self.rows
            .iter()
            .map(|row| {
                row.iter()
                    .map(|cell| match cell {
                        Cell::Text(t) => Value::Text(t.clone()),
                        Cell::Int(n) => Value::Int(*n),
                        Cell::Ore(o) => money(*o),
                    })
                    .collect()
            })
            .collect()
    }
}

/// A piece of a report document.
#[derive(Debug, Clone)]
pub enum Part {
    H2(String),
    H3(String),
    Paragraph(String),
    /// Muted text: a hint that a narrative section has not been written.
    Note(String),
    Fact(String, String),
    Table(Table),
}

/// A report laid out as parts, with its title and subtitle.
#[derive(Debug, Clone)]
pub struct Document {
    pub title: String,
    pub subtitle: String,
    pub parts: Vec<Part>,
}

impl Document {
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.parts.iter().filter_map(|p| match p {
            Part::Table(t) => Some(t),
            _ => None,
        })
    }

    pub fn table(&self, id: &str) -> Option<&Table> {
        self.tables().find(|t| t.id == id)
    }
}

/// How much of a report's long lists a document lays out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Everything: the files (PDF, spreadsheets, standalone HTML, the CLI's report).
    Whole,
    /// The report's page: each long list shows its first [`SCREEN_LIST`] entries and says that
    /// the PDF holds all of them. A real region's report (tens of trials) is never cut; at
    /// national scale in one region the whole page would be megabytes no one scrolls through.
    Screen,
}

/// How many entries of one list the report's page shows.
pub const SCREEN_LIST: usize = 200;

impl Layout {
    /// The part of `list` to lay out; when it is cut, a note saying so goes into `parts` first.
    fn shown<'a, T>(self, parts: &mut Vec<Part>, list: &'a [T]) -> &'a [T] {
        if self == Layout::Whole || list.len() <= SCREEN_LIST {
            return list;
        }
        parts.push(Part::Note(format!(
            "Siden viser de første {SCREEN_LIST} af {}. Hele listen står i PDF-udgaven.",
            pulje_domain::money::group_thousands(list.len() as u64)
        )));
        &list[..SCREEN_LIST]
    }
}

/// What the evaluations said on one matter, each under its trial's number and title.
fn statements(
    parts: &mut Vec<Part>,
    layout: Layout,
    heading: &str,
    list: &[pulje_store::reports::Statement],
) {
    if list.is_empty() {
        return;
    }
    parts.push(Part::H3(heading.into()));
    for s in layout.shown(parts, list) {
        parts.push(Part::Fact(
            format!("Nr. {} – {}", s.number, s.title),
            s.text.clone(),
        ));
    }
}

fn narrative(parts: &mut Vec<Part>, report: &RegionalReport, section: &str) {
    let body = report.text(section);
    if body.trim().is_empty() {
        parts.push(Part::Note(
            "Regionen har endnu ikke skrevet dette afsnit.".into(),
        ));
        return;
    }
    for chunk in body.split("\n\n").map(str::trim).filter(|c| !c.is_empty()) {
        parts.push(Part::Paragraph(chunk.to_string()));
    }
}

fn heading_of(section: &str) -> String {
    SECTIONS
        .iter()
        .find(|(id, _, _)| *id == section)
        .map(|(_, h, _)| h.to_string())
        .unwrap_or_default()
}

fn trial_table(id: &'static str, title: String, trials: &[&ReportTrial]) -> Table {
    Table {
        id,
        title,
        columns: vec![
            col("Nr.", Kind::Int, 0.8),
            col("Evaluering", Kind::Text, 1.3),
            col("Afd.", Kind::Text, 2.6),
            col("Område", Kind::Text, 2.0),
            col("Antal afd.læger", Kind::Int, 1.2),
            col("Projekttitel", Kind::Text, 6.0),
        ],
        rows: trials
            .iter()
            .map(|t| {
                vec![
                    Cell::Int(t.number),
                    text(if t.evaluation_attached {
                        "Se bilag"
                    } else {
                        "-"
                    }),
                    text(&t.department),
                    text(&t.area),
                    Cell::Int(t.doctor_count),
                    text(&t.title),
                ]
            })
            .collect(),
    }
}

fn count_table(
    id: &'static str,
    title: &str,
    first: &str,
    counts: &[pulje_store::reports::Count],
) -> Table {
    let total: i64 = counts.iter().map(|c| c.count).sum();
    let mut rows: Vec<Vec<Cell>> = counts
        .iter()
        .map(|c| vec![text(&c.label), Cell::Int(c.count)])
        .collect();
    rows.push(vec![text("I alt"), Cell::Int(total)]);
    Table {
        id,
        title: title.into(),
        columns: vec![col(first, Kind::Text, 6.0), col("Forsøg", Kind::Int, 1.5)],
        rows,
    }
}

fn economy_columns(first: &str) -> Vec<Column> {
    let mut columns = vec![col(first, Kind::Text, 3.0)];
    columns.extend(Figure::ALL.map(|f| col(f.label_da(), Kind::Ore, 2.0)));
    columns
}

/// A region's report as a document: the numbered sections and the four appendices.
pub fn regional_document(r: &RegionalReport, layout: Layout) -> Document {
    let mut p: Vec<Part> = Vec::new();
    p.push(Part::H2(heading_of("introduction")));
    narrative(&mut p, r, "introduction");

    p.push(Part::H2(heading_of("organisation")));
    narrative(&mut p, r, "organisation");
    p.push(Part::H3("Økonomi og forløb".into()));
    p.push(Part::Fact(
        "Regionens pulje i alt".into(),
        kr(r.economy_total.allocated_ore),
    ));
    for e in &r.economy {
        p.push(Part::Fact(e.name.clone(), kr(e.allocated_ore)));
    }
    p.push(Part::Fact("Forsøg i alt".into(), r.trial_count.to_string()));
    p.push(Part::Fact(
        "Afdelingslæger involveret".into(),
        r.doctors_involved.to_string(),
    ));
    p.push(Part::Fact(
        "Styregruppemøder".into(),
        r.steering_group_meetings.to_string(),
    ));
    p.push(Part::H3("Ansøgningsrunder".into()));
    if r.rounds.is_empty() {
        p.push(Part::Note(
            "Regionen havde ingen faste runder; ansøgninger kunne sendes løbende.".into(),
        ));
    } else {
        p.push(Part::Table(Table {
            id: "runder",
            title: "Ansøgningsrunder".into(),
            columns: vec![
                col("Runde", Kind::Text, 3.0),
                col("Åbnede", Kind::Text, 2.5),
                col("Frist", Kind::Text, 2.5),
                col("Godkendte forsøg", Kind::Int, 2.0),
            ],
            rows: r
                .rounds
                .iter()
                .map(|x| {
                    vec![
                        text(&x.name),
                        text(format_date_da(x.opens_on)),
                        text(format_date_da(x.deadline)),
                        Cell::Int(x.trials),
                    ]
                })
                .collect(),
        }));
    }

    p.push(Part::H2(heading_of("priorities")));
    narrative(&mut p, r, "priorities");
    p.push(Part::H3("Regionens prioriterede områder".into()));
    p.push(Part::Table(count_table(
        "omraader",
        "Forsøg efter område",
        "Område",
        &r.area_counts,
    )));
    if let Some(note) = &r.area_note {
        p.push(Part::Note(note.clone()));
    }

    p.push(Part::H2("3. Oversigt over regionens forsøg".into()));
    if r.trials.is_empty() {
        p.push(Part::Note("Regionen har ingen forsøg endnu.".into()));
    }
    for h in &r.hospital_counts {
        let trials: Vec<&ReportTrial> = r.trials.iter().filter(|t| t.hospital == h.key).collect();
        let name = if h.label.is_empty() {
            "Hospital ikke angivet"
        } else {
            h.label.as_str()
        };
        let title = format!("{name} ({} stk.)", h.count);
        p.push(Part::H3(title.clone()));
        let trials = layout.shown(&mut p, &trials);
        p.push(Part::Table(trial_table("forsoeg_hospital", title, trials)));
    }
    p.push(Part::Table(count_table(
        "hospitaler",
        "Forsøg efter hospital",
        "Hospital",
        &r.hospital_counts,
    )));

    p.push(Part::H2(heading_of("career_tracks")));
    narrative(&mut p, r, "career_tracks");
    p.push(Part::Table(count_table(
        "karrierespor",
        "Forsøg efter karrierespor (fra indsendte evalueringer)",
        "Karrierespor",
        &r.track_counts,
    )));

    p.push(Part::H2(heading_of("challenges")));
    narrative(&mut p, r, "challenges");
    p.push(Part::Table(Table {
        id: "udfordringer",
        title: "Udfordringer nævnt i evalueringerne".into(),
        columns: vec![
            col("Udfordring", Kind::Text, 6.0),
            col("Evalueringer", Kind::Int, 1.5),
        ],
        rows: r
            .challenges
            .iter()
            .map(|c| vec![text(&c.label), Cell::Int(c.count)])
            .collect(),
    }));
    statements(
        &mut p,
        layout,
        "Evalueringernes beskrivelser",
        &r.challenge_statements,
    );

    p.push(Part::H2(heading_of("generalisation")));
    narrative(&mut p, r, "generalisation");
    p.push(Part::Table(count_table(
        "type",
        "Individuelle og tværgående forsøg",
        "Type",
        &r.type_counts,
    )));

    p.push(Part::H2(heading_of("recommendations")));
    narrative(&mut p, r, "recommendations");
    p.push(Part::Table(count_table(
        "anbefalinger",
        "Evalueringernes anbefalinger",
        "Anbefaling",
        &r.recommendation_counts,
    )));
    statements(&mut p, layout, "Evalueringernes råd", &r.advice);

    p.push(Part::H2("Bilag 1: Projektorganisering".into()));
    if r.members.is_empty() {
        p.push(Part::Note("Ingen medlemmer registreret.".into()));
    } else {
        p.push(Part::Table(Table {
            id: "organisation",
            title: "Styregruppe og arbejdsgruppe".into(),
            columns: vec![
                col("Gruppe", Kind::Text, 2.0),
                col("Navn", Kind::Text, 3.0),
                col("Titel", Kind::Text, 4.0),
            ],
            rows: r
                .members
                .iter()
                .map(|m| {
                    vec![
                        text(if m.body == "steering_group" {
                            "Styregruppe"
                        } else {
                            "Arbejdsgruppe"
                        }),
                        text(&m.name),
                        text(&m.title),
                    ]
                })
                .collect(),
        }));
    }

    p.push(Part::H2("Bilag 2: Funktionstillæg".into()));
    if r.tiers.is_empty() {
        p.push(Part::Note(
            "Regionen har ingen tillægsniveauer registreret.".into(),
        ));
    } else {
        p.push(Part::Table(Table {
            id: "tillaeg",
            title: "Tillægsniveauer".into(),
            columns: vec![
                col("Niveau", Kind::Text, 3.0),
                col("Årligt tillæg", Kind::Ore, 2.0),
                col("Forsøg i puljen", Kind::Int, 2.0),
            ],
            rows: r
                .tiers
                .iter()
                .map(|t| vec![text(&t.name), Cell::Ore(t.amount_ore), Cell::Int(t.trials)])
                .collect(),
        }));
    }

    p.push(Part::H2("Bilag 3: Individuelle evalueringer".into()));
    p.push(Part::Fact(
        "Forsøg med evaluering".into(),
        r.evaluation_coverage.text_da(),
    ));
    if r.evaluations.is_empty() {
        p.push(Part::Note("Ingen indsendte evalueringer endnu.".into()));
    }
    for e in layout.shown(&mut p, &r.evaluations) {
        p.push(Part::H3(format!("Nr. {} – {}", e.number, e.title)));
        p.push(Part::Fact("Hospital".into(), e.hospital.clone()));
        p.push(Part::Fact("Formål opfyldt".into(), e.purposes_met.clone()));
        p.push(Part::Fact("Om formålet".into(), e.purposes_text.clone()));
        p.push(Part::Fact(
            "Hvad forsøget gav".into(),
            e.gained_text.clone(),
        ));
        p.push(Part::Fact("Effekt".into(), e.effect_text.clone()));
        p.push(Part::Fact(
            "Udvikling frem for drift".into(),
            e.development_percent
                .map(|d| format!("{d} %"))
                .unwrap_or_default(),
        ));
        p.push(Part::Fact("Om tiden".into(), e.time_text.clone()));
        p.push(Part::Fact("Karrierespor".into(), e.career_track.clone()));
        p.push(Part::Fact("Type".into(), e.trial_type.clone()));
        p.push(Part::Fact("Udfordringer".into(), e.challenges.join("; ")));
        p.push(Part::Fact(
            "Om udfordringerne".into(),
            e.challenges_text.clone(),
        ));
        p.push(Part::Fact("Anbefaling".into(), e.recommendation.clone()));
        p.push(Part::Fact(
            "Begrundelse".into(),
            e.recommendation_text.clone(),
        ));
        p.push(Part::Fact("Råd til parterne".into(), e.advice_text.clone()));
    }

    p.push(Part::H2("Bilag 4: Økonomisk oversigt".into()));
    let mut rows: Vec<Vec<Cell>> = r
        .economy
        .iter()
        .map(|e| {
            vec![
                text(&e.name),
                Cell::Ore(e.allocated_ore),
                Cell::Ore(e.committed_ore),
                Cell::Ore(e.paid_ore),
                Cell::Ore(e.unused_ore),
            ]
        })
        .collect();
    let t = r.economy_total;
    rows.push(vec![
        text("I alt"),
        Cell::Ore(t.allocated_ore),
        Cell::Ore(t.committed_ore),
        Cell::Ore(t.paid_ore),
        Cell::Ore(t.unused_ore),
    ]);
    p.push(Part::Table(Table {
        id: "oekonomi",
        title: "Økonomi pr. pulje".into(),
        columns: economy_columns("Pulje"),
        rows,
    }));
    p.push(Part::Note(Figure::glossary_da()));
    if !r.exceptions.is_empty() {
        p.push(Part::H3("Undtagelser".into()));
        p.push(Part::Paragraph(
            "Aftaler, som styregruppen godkendte ud over puljen eller uden for programmets tidsregler, og aftaler med efterbetaling for måneder før aktiveringen, med de begrundelser, der er skrevet."
                .into(),
        ));
        p.push(Part::Table(Table {
            id: "undtagelser",
            title: "Aftaler godkendt som undtagelse".into(),
            columns: vec![
                col("Nr.", Kind::Int, 1.0),
                col("Forsøg", Kind::Text, 4.0),
                col("Undtagelse", Kind::Text, 5.0),
                col("Styregruppens begrundelse", Kind::Text, 4.0),
                col("Efterbetaling", Kind::Text, 3.0),
            ],
            rows: r
                .exceptions
                .iter()
                .map(|e| {
                    vec![
                        Cell::Int(e.application_id),
                        text(&e.title),
                        text(e.exceptions.join(" ")),
                        text(if e.reason.is_empty() { "-" } else { &e.reason }),
                        text(if e.backpay_reason.is_empty() {
                            "-"
                        } else {
                            &e.backpay_reason
                        }),
                    ]
                })
                .collect(),
        }));
    }

    Document {
        title: format!("Evalueringsrapport – {}", r.region_name),
        subtitle: r.programme_name.clone(),
        parts: p,
    }
}

/// All the trials in one table, for the spreadsheet.
pub fn regional_trials_table(r: &RegionalReport) -> Table {
    Table {
        id: "forsoeg",
        title: "Alle forsøg".into(),
        columns: vec![
            col("Nr.", Kind::Int, 1.0),
            col("Kilde", Kind::Text, 1.0),
            col("Hospital", Kind::Text, 3.0),
            col("Afd.", Kind::Text, 3.0),
            col("Område", Kind::Text, 2.0),
            col("Antal afd.læger", Kind::Int, 1.0),
            col("Projekttitel", Kind::Text, 6.0),
            col("Evaluering", Kind::Text, 1.0),
            col("Karrierespor", Kind::Text, 2.0),
            col("Type", Kind::Text, 2.0),
        ],
        rows: r
            .trials
            .iter()
            .map(|t| {
                let label = |counts: &[pulje_store::reports::Count], key: &Option<String>| {
                    let key = key.as_deref().unwrap_or(pulje_store::reports::NOT_STATED);
                    counts
                        .iter()
                        .find(|c| c.key == key)
                        .map(|c| c.label.clone())
                        .unwrap_or_else(|| pulje_store::reports::NOT_STATED_DA.into())
                };
                vec![
                    Cell::Int(t.number),
                    text(if t.source == "pulje" {
                        "Puljen"
                    } else {
                        "Importeret"
                    }),
                    text(&t.hospital),
                    text(&t.department),
                    text(&t.area),
                    Cell::Int(t.doctor_count),
                    text(&t.title),
                    text(if t.evaluation_attached {
                        "Se bilag"
                    } else {
                        "-"
                    }),
                    text(label(&r.track_counts, &t.career_track)),
                    text(label(&r.type_counts, &t.trial_type)),
                ]
            })
            .collect(),
    }
}

/// The tables of a region's report for export: every trial in one table, then the others.
pub fn regional_tables(r: &RegionalReport) -> Vec<Table> {
    let doc = regional_document(r, Layout::Whole);
    let mut out = vec![regional_trials_table(r)];
    out.extend(doc.tables().filter(|t| t.id != "forsoeg_hospital").cloned());
    out
}

/// The national view as a document: the five regions side by side.
pub fn national_document(n: &NationalReport) -> Document {
    let mut p = Vec::new();
    let regions: Vec<&str> = n.regions.iter().map(|r| r.region_name.as_str()).collect();

    p.push(Part::H2("Økonomi".into()));
    let mut rows: Vec<Vec<Cell>> = n
        .regions
        .iter()
        .map(|r| {
            vec![
                text(&r.region_name),
                Cell::Ore(r.allocated_ore),
                Cell::Ore(r.committed_ore),
                Cell::Ore(r.paid_ore),
                Cell::Ore(r.unused_ore),
            ]
        })
        .collect();
    rows.push(vec![
        text("I alt"),
        Cell::Ore(n.total.allocated_ore),
        Cell::Ore(n.total.committed_ore),
        Cell::Ore(n.total.paid_ore),
        Cell::Ore(n.total.unused_ore),
    ]);
    p.push(Part::Table(Table {
        id: "oekonomi",
        title: "Bevilget, disponeret, udbetalt og ubrugt pr. region".into(),
        columns: economy_columns("Region"),
        rows,
    }));

    p.push(Part::H2("Forsøg, afdelingslæger og evalueringer".into()));
    let mut rows: Vec<Vec<Cell>> = n
        .regions
        .iter()
        .map(|r| {
            vec![
                text(&r.region_name),
                Cell::Int(r.trials),
                Cell::Int(r.doctors_involved),
                text(r.evaluation_coverage.text_da()),
            ]
        })
        .collect();
    rows.push(vec![
        text("I alt"),
        Cell::Int(n.total.trials),
        Cell::Int(n.total.doctors_involved),
        text(n.total.evaluation_coverage.text_da()),
    ]);
    p.push(Part::Table(Table {
        id: "forsoeg",
        title: "Forsøg og afdelingslæger pr. region".into(),
        columns: vec![
            col("Region", Kind::Text, 3.0),
            col("Forsøg", Kind::Int, 1.5),
            col("Afdelingslæger", Kind::Int, 1.5),
            col("Med evaluering", Kind::Text, 2.0),
        ],
        rows,
    }));

    let cross = |id: &'static str,
                 title: &str,
                 first: &str,
                 keys: Vec<(String, String)>,
                 pick: &dyn Fn(
        &pulje_store::reports::NationalRegion,
    ) -> &std::collections::BTreeMap<String, i64>| {
        let mut columns = vec![col(first, Kind::Text, 4.0)];
        for r in &regions {
            columns.push(col(r, Kind::Int, 1.6));
        }
        columns.push(col("I alt", Kind::Int, 1.2));
        let rows = keys
            .into_iter()
            .map(|(key, label)| {
                let mut row = vec![text(label)];
                let mut sum = 0;
                for r in &n.regions {
                    let c = pick(r).get(&key).copied().unwrap_or(0);
                    sum += c;
                    row.push(Cell::Int(c));
                }
                row.push(Cell::Int(sum));
                row
            })
            .collect();
        Table {
            id,
            title: title.into(),
            columns,
            rows,
        }
    };
    p.push(Part::H2("Forsøg efter område".into()));
    p.push(Part::Table(cross(
        "omraader",
        "Forsøg efter område og region",
        "Område",
        n.areas.iter().map(|a| (a.clone(), a.clone())).collect(),
        &|r| &r.trials_by_area,
    )));
    let counted: i64 = n
        .regions
        .iter()
        .flat_map(|r| r.trials_by_area.values())
        .sum();
    if let Some(note) = area_sum_note(
        counted,
        usize::try_from(n.total.trials).unwrap_or(usize::MAX),
    ) {
        p.push(Part::Note(note));
    }
    if !n.national_areas.is_empty() {
        p.push(Part::H2("Forsøg efter nationalt prioriteret område".into()));
        p.push(Part::Table(cross(
            "nationale-omraader",
            "Forsøg efter nationalt prioriteret område og region",
            "Nationalt område",
            n.national_areas
                .iter()
                .map(|a| (a.clone(), a.clone()))
                .collect(),
            &|r| &r.trials_by_national_area,
        )));
        if n.unplaced_areas.is_empty() {
            p.push(Part::Note(
                "Alle regionernes områder med forsøg er placeret under et nationalt område.".into(),
            ));
        } else {
            p.push(Part::Paragraph(format!(
                "Disse områder er endnu ikke placeret under et nationalt område, så deres forsøg står som «{}»: {}. En administrator placerer dem under Administration › Områder.",
                pulje_store::reports::NOT_PLACED_DA,
                n.unplaced_areas
                    .iter()
                    .map(|u| format!("{}: {} ({} forsøg)", u.region_name, u.area, u.trials))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
    }
    p.push(Part::H2("Forsøg efter karrierespor".into()));
    p.push(Part::Table(cross(
        "karrierespor",
        "Forsøg efter karrierespor og region",
        "Karrierespor",
        n.tracks
            .iter()
            .map(|c| (c.key.clone(), c.label.clone()))
            .collect(),
        &|r| &r.trials_by_track,
    )));
    p.push(Part::H2("Forsøg efter type".into()));
    p.push(Part::Table(cross(
        "type",
        "Individuelle og tværgående forsøg pr. region",
        "Type",
        n.types
            .iter()
            .map(|c| (c.key.clone(), c.label.clone()))
            .collect(),
        &|r| &r.trials_by_type,
    )));
    p.push(Part::Note(
        format!(
            "Karrierespor og type stammer fra indsendte evalueringer; forsøg uden er talt som «Ikke oplyst». {}",
            Figure::glossary_da()
        ),
    ));
    Document {
        title: "National oversigt".into(),
        subtitle: n.programme_name.clone(),
        parts: p,
    }
}

/// The document as a PDF: page numbers, repeated table headers, Danish letters.
pub fn pdf(doc: &Document, footer: &str) -> Vec<u8> {
    use pulje_pdf::Block;
    let mut blocks = vec![
        Block::Title(doc.title.clone()),
        Block::Paragraph(doc.subtitle.clone()),
    ];
    for part in &doc.parts {
        match part {
            Part::H2(t) | Part::H3(t) => blocks.push(Block::Heading(t.clone())),
            Part::Paragraph(t) | Part::Note(t) => blocks.push(Block::Paragraph(t.clone())),
            Part::Fact(l, v) => blocks.push(Block::Fact(l.clone(), v.clone())),
            Part::Table(t) => blocks.push(Block::Table {
                header: t.columns.iter().map(|c| c.title.clone()).collect(),
                widths: t.columns.iter().map(|c| c.width).collect(),
                rows: t
                    .rows
                    .iter()
                    .map(|r| r.iter().map(Cell::display).collect())
                    .collect(),
            }),
        }
    }
    pulje_pdf::render(&doc.title, footer, &blocks)
}

/// Tables as an XLSX workbook: one sheet per table, named after its title, money in kroner.
pub fn xlsx(tables: &[Table]) -> anyhow::Result<Vec<u8>> {
    crate::sheet::xlsx(&tables.iter().map(Table::sheet).collect::<Vec<_>>())
}

#[derive(Template)]
#[template(path = "reports/parts.html")]
struct Parts<'a> {
    doc: &'a Document,
}

/// A document's title and its parts laid out as HTML, without a page around them: what the
/// report's page keeps between requests (see [`crate::kept`]).
#[derive(Debug, Clone)]
pub struct Body {
    pub title: String,
    pub subtitle: String,
    pub html: String,
}

impl Body {
    pub fn of(doc: &Document) -> askama::Result<Body> {
        Ok(Body {
            title: doc.title.clone(),
            subtitle: doc.subtitle.clone(),
            html: Parts { doc }.render()?,
        })
    }
}

#[derive(Template)]
#[template(path = "reports/standalone.html")]
struct Standalone<'a> {
    body: &'a Body,
    stylesheet: &'static str,
}

/// A standalone HTML file of a document (no navigation, no session), for the CLI: a file read
/// outside the server, so the stylesheet goes inside.
pub fn html_standalone(doc: &Document) -> anyhow::Result<String> {
    Ok(Standalone {
        body: &Body::of(doc)?,
        stylesheet: crate::STYLESHEET,
    }
    .render()?)
}

/// The report as JSON bytes.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<Vec<u8>> {
    Ok(serde_json::to_vec_pretty(value)?)
}

/// A region's report in `format`.
pub fn render_regional(r: &RegionalReport, format: Format) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Html => html_standalone(&regional_document(r, Layout::Whole))?.into_bytes(),
        Format::Pdf => pdf(
            &regional_document(r, Layout::Whole),
            &format!("{} · {}", r.region_name, r.programme_name),
        ),
        Format::Xlsx => xlsx(&regional_tables(r))?,
        Format::Json => json(r)?,
    })
}

/// The national view in `format`.
pub fn render_national(n: &NationalReport, format: Format) -> anyhow::Result<Vec<u8>> {
    let doc = national_document(n);
    Ok(match format {
        Format::Html => html_standalone(&doc)?.into_bytes(),
        Format::Pdf => pdf(&doc, &format!("National oversigt · {}", n.programme_name)),
        Format::Xlsx => xlsx(&doc.tables().cloned().collect::<Vec<_>>())?,
        Format::Json => json(n)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_cuts_long_lists_and_says_so() {
        let long: Vec<usize> = (0..SCREEN_LIST + 950).collect();
        let mut parts = Vec::new();
        let shown = Layout::Screen.shown(&mut parts, &long);
        assert_eq!(shown, &long[..SCREEN_LIST]);
        match parts.as_slice() {
            [Part::Note(note)] => assert_eq!(
                note,
                "Siden viser de første 200 af 1.150. Hele listen står i PDF-udgaven."
            ),
            other => panic!("expected one note, got {other:?}"),
        }

        let mut parts = Vec::new();
        assert_eq!(Layout::Whole.shown(&mut parts, &long).len(), long.len());
        let short = &long[..SCREEN_LIST];
        assert_eq!(Layout::Screen.shown(&mut parts, short).len(), SCREEN_LIST);
        assert!(parts.is_empty(), "nothing cut, nothing said");
    }

    #[test]
    fn formats_parse() {
        assert_eq!(Format::parse("PDF"), Some(Format::Pdf));
        assert_eq!(Format::parse("docx"), None);
    }
}
