//! A payroll batch as the file the payroll system imports: the region's columns in its order,
//! amounts in kroner with a decimal comma, written by [`crate::sheet`] as CSV or XLSX.

use crate::sheet::{self, Sheet, Value};
use pulje_store::payroll::{Column, Line};

fn cell(line: &Line, column: Column) -> Value {
    match column {
        Column::EmployeeNumber => Value::from(line.employee_number.as_str()),
        Column::Name => Value::from(line.name.as_str()),
        Column::WageType => Value::from(line.wage_type.as_str()),
        Column::CostCentre => Value::from(line.cost_centre.as_str()),
        Column::Period => Value::from(line.period.as_str()),
        Column::Amount => Value::Kroner(line.amount),
        Column::Reference => Value::from(line.reference.as_str()),
    }
}

/// The batch's lines as one sheet with `columns`.
pub fn sheet(lines: &[Line], columns: &[Column]) -> Sheet {
    Sheet {
        name: "Lønkørsel".into(),
        header: columns.iter().map(|c| c.title().to_string()).collect(),
        rows: lines
            .iter()
            .map(|l| columns.iter().map(|c| cell(l, *c)).collect())
            .collect(),
    }
}

/// The file as CSV.
pub fn csv(lines: &[Line], columns: &[Column]) -> String {
    sheet(lines, columns).csv()
}

/// The file as XLSX.
pub fn xlsx(lines: &[Line], columns: &[Column]) -> anyhow::Result<Vec<u8>> {
    sheet::xlsx(&[sheet(lines, columns)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulje_domain::Ore;

    fn line(name: &str, ore: i64) -> Line {
        Line {
            posting_id: pulje_domain::PostingId::new(1),
            application_id: pulje_domain::ApplicationId::new(17),
            employee_number: "004711".into(),
            name: name.into(),
            wage_type: "0815".into(),
            cost_centre: "CC-12".into(),
            period: "2022-04".into(),
            amount: Ore::from_ore(ore),
            reference: "OK21-17".into(),
            reversal: ore < 0,
        }
    }

    #[test]
    fn the_file_follows_the_regions_columns_with_kroner_and_no_formulas() {
        let columns = [
            Column::Reference,
            Column::Amount,
            Column::Name,
            Column::EmployeeNumber,
        ];
        let text = csv(
            &[line("Åse Ø", 166_667), line("=cmd|' /C calc'!A0", -166_667)],
            &columns,
        );
        assert_eq!(
            text,
            "\u{feff}Aftalereference;Beløb (kr.);Navn;Medarbejdernummer\r\n\
             OK21-17;1666,67;Åse Ø;004711\r\n\
             OK21-17;-1666,67;'=cmd|' /C calc'!A0;004711\r\n"
        );
    }
}
