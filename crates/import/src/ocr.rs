//! Text out of scanned pages: images (PNG, JPEG, TIFF) and the page images of a PDF without
//! text, read by Tesseract with its Danish model. Tesseract runs as a separate program (the
//! `tesseract` of Debian's `tesseract-ocr` and `tesseract-ocr-dan`, or the one named by
//! `PULJE_TESSERACT`) on a temporary file, one thread, within the import's time limit, and is
//! killed when it overruns; it never uses the network. Images larger than [`MAX_PIXELS`] are
//! refused before Tesseract sees them, which bounds its memory.

use crate::error::ErrorKind;
use crate::extract::Limits;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The environment variable naming the Tesseract program (default: `tesseract` on the PATH).
pub const PROGRAM_ENV: &str = "PULJE_TESSERACT";

/// The largest page accepted: an A4 page at 600 dpi has 35 million pixels.
pub const MAX_PIXELS: u64 = 60_000_000;

/// A scanned image's kind, by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Tiff,
    /// Raw samples written as a portable any-map (from a PDF's page image).
    Pnm,
}

impl ImageKind {
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
            Some(ImageKind::Tiff)
        } else {
            None
        }
    }

    fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Tiff => "tif",
            ImageKind::Pnm => "pnm",
        }
    }
}

fn be16(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from(u16::from_be_bytes([*b.get(i)?, *b.get(i + 1)?])))
}

fn be32(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from(u32::from_be_bytes(
        b.get(i..i + 4)?.try_into().ok()?,
    )))
}

/// Width × height from the image's header, where it can be read cheaply.
fn pixels(kind: ImageKind, b: &[u8]) -> Option<u64> {
    match kind {
        ImageKind::Png => Some(be32(b, 16)? * be32(b, 20)?),
        ImageKind::Jpeg => {
            // The first start-of-frame marker holds the size.
            let mut i = 2;
            while i + 9 < b.len() {
                if b[i] != 0xFF {
                    return None;
                }
                let marker = b[i + 1];
                let len = be16(b, i + 2)? as usize;
                if matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC) {
                    return Some(be16(b, i + 5)? * be16(b, i + 7)?);
                }
                i += 2 + len;
            }
            None
        }
        ImageKind::Tiff => {
            let little = b.starts_with(b"II");
            let rd16 = |i: usize| -> Option<u64> {
                let v = [*b.get(i)?, *b.get(i + 1)?];
                Some(u64::from(if little {
                    u16::from_le_bytes(v)
                } else {
                    u16::from_be_bytes(v)
                }))
            };
            let rd32 = |i: usize| -> Option<u64> {
                let v: [u8; 4] = b.get(i..i + 4)?.try_into().ok()?;
                Some(u64::from(if little {
                    u32::from_le_bytes(v)
                } else {
                    u32::from_be_bytes(v)
                }))
            };
            let ifd = rd32(4)? as usize;
            let entries = rd16(ifd)? as usize;
            let (mut w, mut h) = (None, None);
            for k in 0..entries.min(100) {
                let e = ifd + 2 + k * 12;
                let tag = rd16(e)?;
                let kind = rd16(e + 2)?;
                let value = if kind == 3 {
                    rd16(e + 8)?
                } else {
                    rd32(e + 8)?
                };
                match tag {
                    256 => w = Some(value),
                    257 => h = Some(value),
                    _ => {}
                }
            }
            Some(w? * h?)
        }
        ImageKind::Pnm => None,
    }
}

/// The Tesseract program to run.
pub fn program() -> PathBuf {
    std::env::var_os(PROGRAM_ENV)
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tesseract"))
}

/// Whether Tesseract and its Danish model can be run here.
pub fn available() -> bool {
    Command::new(program())
        .arg("--list-langs")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout)
                    .lines()
                    .any(|l| l.trim() == "dan")
        })
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A private temporary folder (created anew, only its owner may enter it), removed with what it
/// holds when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Result<TempDir, ErrorKind> {
        for _ in 0..16 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            let dir = std::env::temp_dir().join(format!(
                "pulje-ocr-{}-{}-{nanos}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed)
            ));
            let mut builder = std::fs::DirBuilder::new();
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            // Fails when the name exists, whoever made it: never a folder or link we did not.
            if builder.create(&dir).is_ok() {
                return Ok(TempDir(dir));
            }
        }
        Err(ErrorKind::Damaged)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A line read from a scan, and each of its words with the confidence (0–100) Tesseract gave it.
pub type Line = (String, Vec<(String, f32)>);

/// Text read from scans: the lines with their words' confidences.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Recognised {
    pub lines: Vec<Line>,
}

/// Tesseract's TSV output as lines: words joined by spaces in reading order, a blank line
/// between paragraphs, a form feed between pages.
pub fn from_tsv(tsv: &str) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    let mut current: Option<[u32; 4]> = None;
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.split('\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let key: Vec<u32> = cols[1..5].iter().filter_map(|c| c.parse().ok()).collect();
        let Ok(key) = <[u32; 4]>::try_from(key) else {
            continue;
        };
        let word = cols[11..].join("\t");
        let word = word.trim();
        if word.is_empty() {
            continue;
        }
        let conf: Option<f32> = cols[10].parse().ok().filter(|c: &f32| *c >= 0.0);
        if current != Some(key) {
            if let Some(prev) = current {
                if prev[0] != key[0] {
                    out.push(("\u{c}".into(), Vec::new()));
                } else if prev[1] != key[1] || prev[2] != key[2] {
                    out.push((String::new(), Vec::new()));
                }
            }
            out.push((String::new(), Vec::new()));
            current = Some(key);
        }
        if let Some(last) = out.last_mut() {
            if !last.0.is_empty() {
                last.0.push(' ');
            }
            last.0.push_str(word);
            if let Some(c) = conf {
                last.1.push((word.to_string(), c));
            }
        }
    }
    out
}

/// The text of one scanned page. `deadline` bounds Tesseract's run.
pub fn read_page(kind: ImageKind, bytes: &[u8], deadline: Instant) -> Result<String, ErrorKind> {
    Ok(recognise_page(kind, bytes, deadline)?
        .into_iter()
        .map(|(l, _)| l)
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The lines of one scanned page with their confidence. `deadline` bounds Tesseract's run.
fn recognise_page(
    kind: ImageKind,
    bytes: &[u8],
    deadline: Instant,
) -> Result<Vec<Line>, ErrorKind> {
    if pixels(kind, bytes).is_some_and(|p| p > MAX_PIXELS) {
        return Err(ErrorKind::Unsupported {
            what: "billedet er for stort til tekstgenkendelse (over 60 millioner punkter)".into(),
        });
    }
    let dir = TempDir::new()?;
    let base = dir.0.join("page");
    let input = base.with_extension(kind.extension());
    let output = base.with_extension("tsv");
    std::fs::write(&input, bytes).map_err(|_| ErrorKind::Damaged)?;
    let mut child = match Command::new(program())
        .arg(&input)
        .arg(&base)
        .args(["-l", "dan", "--psm", "6", "tsv"])
        .env("OMP_THREAD_LIMIT", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        Ok(child) => child,
        Err(_) => return Err(ErrorKind::OcrUnavailable),
    };
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ErrorKind::Timeout {
                    seconds: deadline.saturating_duration_since(Instant::now()).as_secs(),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(15)),
            Err(_) => return Err(ErrorKind::Damaged),
        }
    };
    if !status.success() {
        return Err(if available() {
            ErrorKind::Damaged
        } else {
            ErrorKind::OcrUnavailable
        });
    }
    let tsv = read_text(&output)?;
    Ok(from_tsv(&tsv))
}

fn read_text(path: &Path) -> Result<String, ErrorKind> {
    let bytes = std::fs::read(path).map_err(|_| ErrorKind::Damaged)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The lines of several scanned pages with their confidence, a form feed line between pages.
pub fn read_pages(
    pages: &[(ImageKind, Vec<u8>)],
    limits: &Limits,
) -> Result<Recognised, ErrorKind> {
    if !limits.ocr {
        return Err(ErrorKind::OcrUnavailable);
    }
    let deadline = Instant::now() + Duration::from_secs(limits.max_seconds);
    let mut out = Recognised::default();
    for (n, (kind, bytes)) in pages.iter().enumerate() {
        let lines = recognise_page(*kind, bytes, deadline).map_err(|e| match e {
            ErrorKind::Timeout { .. } => ErrorKind::Timeout {
                seconds: limits.max_seconds,
            },
            e => e,
        })?;
        if n > 0 {
            out.lines.push(("\u{c}".into(), Vec::new()));
        }
        out.lines.extend(lines);
    }
    Ok(out)
}

/// The page images of a PDF, page by page: JPEG images as they are, 8-bit grey or RGB samples
/// as a portable any-map. Other encodings (CCITT fax, JPEG 2000) are skipped.
pub fn pdf_page_images(doc: &pdf_extract::Document) -> Vec<(ImageKind, Vec<u8>)> {
    let mut out = Vec::new();
    for (_, page) in doc.get_pages() {
        let Ok(images) = doc.get_page_images(page) else {
            continue;
        };
        for image in images {
            if image.width <= 0
                || image.height <= 0
                || (image.width as u64) * (image.height as u64) > MAX_PIXELS
            {
                continue;
            }
            let filters = image.filters.clone().unwrap_or_default();
            if filters.iter().any(|f| f == "DCTDecode") && filters.len() == 1 {
                out.push((ImageKind::Jpeg, image.content.to_vec()));
                continue;
            }
            if image.bits_per_component != Some(8) {
                continue;
            }
            let channels = match image.color_space.as_deref() {
                Some("DeviceGray") => 1,
                Some("DeviceRGB") => 3,
                _ => continue,
            };
            let Ok(stream) = doc
                .get_object(image.id)
                .and_then(pdf_extract::Object::as_stream)
            else {
                continue;
            };
            let Ok(samples) = stream.decompressed_content() else {
                continue;
            };
            let expected = (image.width * image.height) as usize * channels;
            if samples.len() < expected {
                continue;
            }
            let magic = if channels == 1 { "P5" } else { "P6" };
            let mut pnm = format!("{magic}\n{} {}\n255\n", image.width, image.height).into_bytes();
            pnm.extend_from_slice(&samples[..expected]);
            out.push((ImageKind::Pnm, pnm));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tesseract_tsv_becomes_lines_with_their_words_confidences() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
1\t1\t0\t0\t0\t0\t0\t0\t9\t9\t-1\t\n\
5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t96.5\tA2.\n\
5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t41.0\tTitel\n\
5\t1\t1\t1\t2\t1\t0\t0\t9\t9\t90\tanden\n\
5\t1\t1\t2\t1\t1\t0\t0\t9\t9\t88\tNyt\n\
5\t2\t1\t1\t1\t1\t0\t0\t9\t9\t70\tSide\n";
        assert_eq!(
            from_tsv(tsv),
            [
                (
                    "A2. Titel".to_string(),
                    vec![("A2.".to_string(), 96.5), ("Titel".to_string(), 41.0)]
                ),
                ("anden".to_string(), vec![("anden".to_string(), 90.0)]),
                (String::new(), vec![]),
                ("Nyt".to_string(), vec![("Nyt".to_string(), 88.0)]),
                ("\u{c}".to_string(), vec![]),
                ("Side".to_string(), vec![("Side".to_string(), 70.0)]),
            ]
        );
    }

    #[test]
    fn image_sizes_are_read_from_their_headers() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&2480u32.to_be_bytes());
        png.extend_from_slice(&3508u32.to_be_bytes());
        assert_eq!(ImageKind::sniff(&png), Some(ImageKind::Png));
        assert_eq!(pixels(ImageKind::Png, &png), Some(2480 * 3508));
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0x0D, 0xB4, 0x09, 0xB0, 3,
        ];
        assert_eq!(pixels(ImageKind::Jpeg, &jpeg), Some(3508 * 2480));
        let mut tiff = b"II*\0\x08\0\0\0\x02\0".to_vec();
        for (tag, value) in [(256u16, 2480u32), (257, 3508)] {
            tiff.extend_from_slice(&tag.to_le_bytes());
            tiff.extend_from_slice(&4u16.to_le_bytes());
            tiff.extend_from_slice(&1u32.to_le_bytes());
            tiff.extend_from_slice(&value.to_le_bytes());
        }
        assert_eq!(pixels(ImageKind::Tiff, &tiff), Some(2480 * 3508));
        assert_eq!(pixels(ImageKind::Tiff, b"II*\0\xff\xff\xff\x7f"), None);
    }
}
