#!/usr/bin/env bash
# Runs every fuzz target of pulje-import for SECONDS seconds each (default 30) with cargo-fuzz
# on nightly. Crashes are saved under fuzz/artifacts/<target>/ and make the script fail.
#   crates/import/fuzz/run.sh 30
# Needs: rustup toolchain nightly, and `cargo install cargo-fuzz --locked`.
set -euo pipefail
SECONDS_PER_TARGET="${1:-30}"
cd "$(dirname "$0")/.."
TARGETS="pdf docx word_xml mail msg ocr_output text form csv xlsx trial_table"
# Seed corpora from the crate's own test fixtures would be larger; a few small starts suffice.
mkdir -p fuzz/corpus
for t in $TARGETS; do mkdir -p "fuzz/corpus/$t"; done
printf 'A1. Hospital/afdeling Regionshospitalet\nA2. Forsøgets titel Prøve\nC.2. Dato for forsøgets opstart 1. april 2022\n(Tillægsstørrelse 20.000 50.000\n' > fuzz/corpus/form/seed.txt
printf 'Aalborg Universitetshospital (2 stk.):\nNr.\n1 Se bilag Kardio-\nlogisk Faglig\nekspert 1 Titel\n2 - Børne Kvalitet 2 Anden titel\nSide 1 af 2\n' > fuzz/corpus/trial_table/seed.txt
printf 'Nr;Hospital;Afdeling;Område;Antal;Titel;Evaluering\n1;A;B;Kvalitet;2;T;ja\n' > fuzz/corpus/csv/seed.csv
cp fuzz/corpus/form/seed.txt fuzz/corpus/text/seed.txt
cp tests/corpus/*.eml fuzz/corpus/mail/
cp fuzz/seeds/msg/* fuzz/corpus/msg/
printf 'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n5\t1\t1\t1\t1\t1\t0\t0\t9\t9\t96.5\tA2.\n5\t1\t1\t1\t1\t2\t0\t0\t9\t9\t41.0\tTitel\n' > fuzz/corpus/ocr_output/seed.tsv
printf '<w:document><w:body><w:tbl><w:tr><w:tc><w:tcPr><w:vMerge w:val="restart"/></w:tcPr><w:p><w:r><w:t>A1. Hospital</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:rPr><w:strike/></w:rPr><w:t>20.000</w:t></w:r><w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent><w:r><w:t>x</w:t></w:r></w:sdtContent></w:sdt></w:p></w:tc></w:tr></w:tbl></w:body></w:document>' > fuzz/corpus/word_xml/seed.xml
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' > fuzz/corpus/pdf/seed.pdf
status=0
for t in $TARGETS; do
  echo "== fuzzing $t for ${SECONDS_PER_TARGET}s"
  log="fuzz/$t.log"
  if ! cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
      -max_total_time="$SECONDS_PER_TARGET" -max_len=200000 -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 >"$log" 2>&1; then
    # The whole report of what went wrong, not only the summary at the end.
    grep -a -v '^#[0-9]' "$log" | grep -a -A40 -m1 -E '==[0-9]+==|panicked|deadly signal|ERROR: libFuzzer' || tail -n 60 "$log"
    echo "!! $t: crash found (see fuzz/artifacts/$t and fuzz/$t.log)"
    status=1
  else
    tail -n 8 "$log"
  fi
done
exit $status
