use super::*;
use crate::money::Ore;
use crate::role::Role;
use crate::workflow::{Action, Party};

fn shipped(id: &str) -> Definition {
    let (_, text) = SHIPPED.iter().find(|(i, _)| *i == id).unwrap();
    match Definition::from_toml(text) {
        Ok(def) => def,
        Err(problems) => panic!("{id}: {problems:#?}"),
    }
}

/// The problems of OK21's definition after `change` to its TOML text.
fn problems_after(change: impl Fn(String) -> String) -> Vec<String> {
    let text = change(SHIPPED[0].1.to_string());
    match Definition::from_toml(&text) {
        Ok(_) => Vec::new(),
        Err(problems) => problems.iter().map(Problem::to_string).collect(),
    }
}

fn one_problem_containing(problems: &[String], needle: &str) {
    assert!(
        problems.iter().any(|p| p.contains(needle)),
        "no problem mentions «{needle}»: {problems:#?}"
    );
}

#[test]
fn every_shipped_definition_reads_checks_and_keeps_its_id() {
    for (id, _) in SHIPPED {
        let def = shipped(id);
        assert_eq!(def.id, id);
        assert!(def.version >= 1);
    }
}

#[test]
fn a_definition_survives_toml_and_json_round_trips() {
    for (id, _) in SHIPPED {
        let def = shipped(id);
        let again = Definition::from_toml(&def.to_toml()).unwrap();
        assert_eq!(again, def, "{id} through TOML");
        let json = serde_json::to_string(&def).unwrap();
        assert_eq!(
            Definition::from_json(&json).unwrap(),
            def,
            "{id} through JSON"
        );
    }
}

#[test]
fn ok21s_form_is_the_agreement_forms_field_table() {
    let def = shipped("ok21");
    let names: Vec<&str> = def.form.fields().map(|f| f.name.as_str()).collect();
    let table: Vec<&str> = crate::FIELDS.iter().map(|f| f.name).collect();
    assert_eq!(names, table);
    for field in crate::FIELDS {
        let spec = def.field(field.name).unwrap();
        assert_eq!(spec.label, field.label, "{}", field.name);
        let required = match field.required {
            crate::Required::No => Required::Never,
            crate::Required::Always(_) => Required::Always,
            crate::Required::ToSubmit(_) => Required::Submit,
        };
        assert_eq!(spec.required, required, "{}", field.name);
    }
}

#[test]
fn ok21s_workflow_is_the_workflow_table() {
    let def = shipped("ok21");
    assert_eq!(def.workflow.transitions.len(), Action::ALL.len());
    for action in Action::ALL {
        let t = def.transition(action.as_str()).unwrap();
        assert_eq!(t.label, action.label_da());
        let from: Vec<&str> = action.from().iter().map(|s| s.as_str()).collect();
        assert_eq!(t.from, from, "{}", action.as_str());
        // Signing ends in `active` once every party has signed.
        let to = if action == Action::Sign {
            "active"
        } else {
            action.to().as_str()
        };
        assert_eq!(t.to, to, "{}", action.as_str());
        // The writer of an application is `applicant`; a leader who writes one takes its
        // steps as its writer.
        let mut roles: Vec<Role> =
            t.by.iter()
                .flat_map(|a| match a {
                    Actor::Applicant => vec![Role::Applicant, Role::Leader],
                    Actor::Role(r) => vec![*r],
                    Actor::Body(_) => vec![],
                })
                .collect();
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        let mut expected = action.roles().to_vec();
        expected.sort_by_key(|r| r.as_str());
        assert_eq!(roles, expected, "{}", action.as_str());
    }
    for status in crate::ApplicationStatus::ALL {
        let state = def.workflow.state(status.as_str()).unwrap();
        assert_eq!(state.label, status.label_da());
        assert_eq!(state.kind == StateKind::Editable, status.is_editable());
    }
    let parties: Vec<&str> = def.signatures.iter().map(|p| p.label.as_str()).collect();
    let table: Vec<&str> = Party::ALL.iter().map(|p| p.label_da()).collect();
    assert_eq!(parties, table);
}

#[test]
fn ok21s_money_is_the_agreements_table() {
    let def = shipped("ok21");
    let tranche = Ore::from_kr(def.tranches[0].amount_kr).unwrap();
    let parts = def.split.allocate(tranche).unwrap();
    let kr: Vec<(&str, i64)> = parts
        .iter()
        .map(|(code, ore)| (code.as_str(), ore.ore() / 100))
        .collect();
    assert_eq!(
        kr,
        [
            ("1081", 3_843_219),
            ("1082", 8_944_908),
            ("1083", 8_012_851),
            ("1084", 14_375_724),
            ("1085", 4_823_387)
        ]
    );
    assert_eq!(def.money, MoneyModel::MonthlySupplement);
}

#[test]
fn the_examples_are_lump_sums_with_bodies_and_an_appeal() {
    let clusters = shipped("sundhedsklynger-2022");
    let shares: Vec<u32> = clusters.funders.iter().map(|f| f.share_percent).collect();
    assert_eq!(shares, [50, 50]);
    assert_eq!(clusters.split.key, SplitKey::Manual);
    assert!(clusters
        .split
        .allocate(Ore::from_kr(80_000_000).unwrap())
        .is_none());
    let grant = clusters.transition("grant").unwrap();
    assert_eq!(grant.by, [Actor::Body("political_level".into())]);
    assert_eq!(grant.effect, Some(Effect::Commit));
    assert!(clusters.review.conflict_declaration);

    let gp = shipped("almen-praksis-efteruddannelse");
    let appeal = gp.transition("appeal").unwrap();
    assert_eq!(appeal.from, ["refused"]);
    assert_eq!(appeal.within_days, Some(42));
    assert_eq!(appeal.by, [Actor::Applicant]);
    assert_eq!(
        gp.transition("grant_on_appeal").unwrap().by,
        [Actor::Body("ce_steering_group".into())]
    );
}

#[test]
fn an_unreachable_state_is_named() {
    let problems = problems_after(|t| {
        t.replace(
            r#"{ id = "withdrawn", label = "Trukket tilbage", kind = "final" },"#,
            r#"{ id = "withdrawn", label = "Trukket tilbage", kind = "final" },
  { id = "parked", label = "Parkeret", kind = "open" },"#,
        )
    });
    one_problem_containing(
        &problems,
        "workflow.states «parked»: tilstanden kan ikke nås fra starttilstanden «draft».",
    );
}

#[test]
fn a_step_nobody_may_take_is_named() {
    let problems = problems_after(|t| {
        t.replace(
            "to = \"ready_for_decision\"\nby = [\"working_group\"]",
            "to = \"ready_for_decision\"\nby = []",
        )
    });
    one_problem_containing(
        &problems,
        "workflow.transitions «forward»: ingen kan tage trinnet (by er tom).",
    );
    let problems = problems_after(|t| {
        t.replace(
            "to = \"ready_for_decision\"\nby = [\"working_group\"]",
            "to = \"ready_for_decision\"\nby = [\"body:udvalget\"]",
        )
    });
    one_problem_containing(
        &problems,
        "organet «udvalget» er ikke beskrevet under bodies.",
    );
}

#[test]
fn required_when_must_name_a_field_of_the_form() {
    let problems = problems_after(|t| {
        t.replace(
            "name = \"remarks\"\nlabel = \"B6. Uddybende bemærkninger\"",
            "name = \"remarks\"\nrequired_when = { field = \"budget\" }\nlabel = \"B6. Uddybende bemærkninger\"",
        )
    });
    one_problem_containing(
        &problems,
        "form «remarks»: required_when nævner feltet «budget», som ikke findes i formularen.",
    );
}

#[test]
fn a_workflow_without_an_end_or_with_a_trap_is_refused() {
    let problems = problems_after(|t| t.replace("kind = \"final\"", "kind = \"open\""));
    one_problem_containing(&problems, "workflowet har ingen sluttilstand");
    // A state whose only step leads back to itself can never end.
    let problems = problems_after(|t| {
        t.replace(
            "from = [\"active\"]\nto = \"ended\"",
            "from = [\"active\"]\nto = \"active\"",
        )
    });
    one_problem_containing(
        &problems,
        "workflow.states «active»: en ansøgning i denne tilstand kan aldrig nå en sluttilstand.",
    );
}

#[test]
fn money_must_add_up() {
    let problems = problems_after(|t| t.replace("share_percent = 100", "share_percent = 90"));
    one_problem_containing(
        &problems,
        "funders: andelene giver 90 %; de skal give 100 %.",
    );
    let problems = problems_after(|t| t.replace("amount_kr = 3843219\n", ""));
    one_problem_containing(
        &problems,
        "split.units «1081»: fordelingen er en tabel, men enheden har intet beløb",
    );
    let gp = SHIPPED[2].1.replace(
        "instalments = [{ share_percent = 100, due = \"documentation\" }]",
        "instalments = [{ share_percent = 60, due = \"approval\" }, { share_percent = 30, due = \"documentation\" }]",
    );
    let problems = Definition::from_toml(&gp).unwrap_err();
    assert_eq!(
        problems[0].to_string(),
        "money.instalments: raterne giver 90 %; de skal give 100 %."
    );
}

#[test]
fn the_readers_errors_are_danish_and_say_where() {
    let problems = problems_after(|t| t.replace("owner = ", "ejer = "));
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("linje "), "{problems:?}");
    assert!(problems[0].contains("ukendt nøgle «ejer»"), "{problems:?}");

    let problems = problems_after(|t| {
        t.replace(
            "opens = \"2021-09-15\"\ncloses",
            "opens = \"15.09.2021\"\ncloses",
        )
    });
    assert!(
        problems[0].contains("«15.09.2021» er ikke en dato; skriv den som ÅÅÅÅ-MM-DD"),
        "{problems:?}"
    );

    let problems = problems_after(|t| t.replace("kind = \"long_text\"", "kind = \"essay\""));
    assert!(problems[0].contains("ukendt værdi «essay»"), "{problems:?}");

    let problems = problems_after(|t| t.replace("by = [\"working_group\"]", "by = [\"everyone\"]"));
    assert!(
        problems[0].contains("«everyone» er ikke en aktør"),
        "{problems:?}"
    );

    let json = Definition::from_json(r#"{"id": "x"}"#).unwrap_err();
    assert!(
        json[0].message.contains("nøglen «version» mangler"),
        "{json:?}"
    );
    let json = Definition::from_json(r#"{"id": 7}"#).unwrap_err();
    assert_eq!(json[0].place, "id");
    assert!(json[0].message.starts_with("forkert type"), "{json:?}");
}

#[test]
fn an_oversized_file_is_refused_before_it_is_read() {
    let text = "#".repeat(MAX_FILE_BYTES + 1);
    let problems = Definition::from_toml(&text).unwrap_err();
    assert_eq!(problems[0].place, "filen");
}

#[test]
fn splits_add_up_to_the_last_ore() {
    let unit = |code: &str, population: Option<i64>| Unit {
        code: code.into(),
        name: code.into(),
        amount_kr: None,
        population,
        latest_end: None,
        areas: Vec::new(),
        tiers: Vec::new(),
        rounds: Vec::new(),
    };
    let equal = Split {
        key: SplitKey::Equal,
        basis: String::new(),
        units: vec![unit("a", None), unit("b", None), unit("c", None)],
    };
    let parts = equal.allocate(Ore::from_ore(100)).unwrap();
    let ore: Vec<i64> = parts.iter().map(|(_, o)| o.ore()).collect();
    assert_eq!(ore, [34, 33, 33]);

    let by_population = Split {
        key: SplitKey::Population,
        basis: String::new(),
        units: vec![unit("a", Some(1)), unit("b", Some(2))],
    };
    let parts = by_population.allocate(Ore::from_ore(1_000)).unwrap();
    let ore: Vec<i64> = parts.iter().map(|(_, o)| o.ore()).collect();
    assert_eq!(ore, [333, 667]);

    let missing = Split {
        key: SplitKey::Population,
        basis: String::new(),
        units: vec![unit("a", Some(1)), unit("b", None)],
    };
    assert!(missing.allocate(Ore::from_ore(1_000)).is_none());
}

#[test]
fn instalments_add_up_to_the_grant() {
    let model = MoneyModel::LumpSum {
        instalments: vec![
            Instalment {
                share_percent: 33,
                due: Due::Approval,
            },
            Instalment {
                share_percent: 33,
                due: Due::On(Day(chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap())),
            },
            Instalment {
                share_percent: 34,
                due: Due::Documentation,
            },
        ],
    };
    let parts = model.instalments_of(Ore::from_ore(1_001));
    let ore: Vec<i64> = parts.iter().map(|(_, o)| o.ore()).collect();
    assert_eq!(ore, [330, 330, 341]);
    assert!(MoneyModel::MonthlySupplement
        .instalments_of(Ore::from_ore(5))
        .is_empty());
}

fn day(text: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

#[test]
fn ok21s_steps_are_allowed_exactly_as_the_workflow_table_allows_them() {
    let def = shipped("ok21");
    let today = day("2023-01-10");
    for action in Action::ALL {
        for status in crate::ApplicationStatus::ALL {
            for role in Role::ALL {
                // Applicants and leaders take the writer's steps on what they wrote (the store
                // checks that they did).
                let taker = flow::Taker {
                    is_applicant: matches!(role, Role::Applicant | Role::Leader),
                    role,
                    bodies: &[],
                };
                let table = crate::workflow::check(action, status, role);
                let defined =
                    def.workflow
                        .check_step(action.as_str(), status.as_str(), taker, today, today);
                assert_eq!(
                    table.is_ok(),
                    defined.is_ok(),
                    "{} from {} by {}",
                    action.as_str(),
                    status.as_str(),
                    role.as_str()
                );
                if let (Err(a), Err(b)) = (&table, &defined) {
                    assert_eq!(
                        std::mem::discriminant(a),
                        std::mem::discriminant(b),
                        "{} from {} by {}",
                        action.as_str(),
                        status.as_str(),
                        role.as_str()
                    );
                }
            }
        }
    }
}

#[test]
fn an_appeal_is_open_to_the_applicant_until_its_deadline() {
    let def = shipped("almen-praksis-efteruddannelse");
    let w = &def.workflow;
    let applicant = flow::Taker {
        is_applicant: true,
        role: Role::Applicant,
        bodies: &[],
    };
    let refused_on = day("2027-03-01");
    // 42 days: the last day is 12 April 2027.
    assert!(w
        .check_step(
            "appeal",
            "refused",
            applicant,
            refused_on,
            day("2027-04-12")
        )
        .is_ok());
    match w.check_step(
        "appeal",
        "refused",
        applicant,
        refused_on,
        day("2027-04-13"),
    ) {
        Err(crate::workflow::Refusal::WrongState(m)) => {
            assert!(
                m.contains("Fristen for «anke afslaget» var 12. april 2027"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
    // The steering group for continuing education decides the appeal; the consultant does not.
    let consultant_bodies = ["medical_consultant".to_string()];
    let consultant = flow::Taker {
        is_applicant: false,
        role: Role::Leader,
        bodies: &consultant_bodies,
    };
    assert!(matches!(
        w.check_step(
            "grant_on_appeal",
            "appealed",
            consultant,
            refused_on,
            refused_on
        ),
        Err(crate::workflow::Refusal::WrongRole(_))
    ));
    let board_bodies = ["ce_steering_group".to_string()];
    let board = flow::Taker {
        is_applicant: false,
        role: Role::Leader,
        bodies: &board_bodies,
    };
    let open: Vec<&str> = w
        .open_steps("appealed", board, refused_on, refused_on)
        .iter()
        .map(|t| t.action.as_str())
        .collect();
    assert_eq!(open, ["grant_on_appeal", "refuse_appeal"]);
    assert!(matches!(
        w.check_step("appeal", "granted", applicant, refused_on, refused_on),
        Err(crate::workflow::Refusal::WrongState(_))
    ));
}

#[test]
fn a_posting_is_shared_by_the_funders_to_the_last_ore() {
    let clusters = shipped("sundhedsklynger-2022");
    let shares = money::funders_shares(&clusters.funders, Ore::from_ore(100_001));
    assert_eq!(
        shares,
        [
            ("Regionerne".to_string(), Ore::from_ore(50_001)),
            ("Kommunerne".to_string(), Ore::from_ore(50_000))
        ]
    );
    let thirds = [
        Funder {
            name: "a".into(),
            share_percent: 70,
        },
        Funder {
            name: "b".into(),
            share_percent: 30,
        },
    ];
    let shares = money::funders_shares(&thirds, Ore::from_ore(-1_001));
    let sum: i64 = shares.iter().map(|(_, o)| o.ore()).sum();
    assert_eq!(sum, -1_001, "{shares:?}");
}

#[test]
fn reviewers_scores_combine_by_weight() {
    let clusters = shipped("sundhedsklynger-2022");
    let rubric = clusters.review.rubric.unwrap();
    // Weights 3, 2, 1 on a 1–5 scale.
    let a = vec![Some(5), Some(4), Some(3)];
    let b = vec![Some(4), None, Some(3)];
    // Means 4.5, 4, 3: (13.5 + 8 + 3) / 6 = 4.0833… → 4.08.
    assert_eq!(rubric.combine(&[a.clone(), b]), Some(408));
    // (15 + 8 + 3) / 6 = 4.333…
    assert_eq!(rubric.combine(std::slice::from_ref(&a)), Some(433));
    assert_eq!(rubric.combine(&[vec![Some(6), Some(4), Some(3)]]), None);
    assert_eq!(rubric.combine(&[vec![None, None, None]]), None);
    assert_eq!(rubric.combine(&[]), None);
}

#[test]
fn an_instalment_due_on_documentation_needs_a_step_that_approves_it() {
    let (_, text) = SHIPPED
        .iter()
        .find(|(i, _)| *i == "sundhedsklynger-2022")
        .unwrap();
    let text = text.replace("effect = \"documentation\"\n", "");
    let problems: Vec<String> = Definition::from_toml(&text)
        .unwrap_err()
        .iter()
        .map(Problem::to_string)
        .collect();
    one_problem_containing(
        &problems,
        "money.instalments: en rate forfalder ved dokumentation, men intet trin har effect = \"documentation\".",
    );
}

#[test]
fn a_mail_template_must_name_a_step_known_bodies_and_known_placeholders() {
    let problems = problems_after(|t| t.replace("\non = \"return\"", "\non = \"send_back\""));
    one_problem_containing(
        &problems,
        "mail «send_back»: trinnet «send_back» findes ikke i workflowet.",
    );
    let problems = problems_after(|t| {
        t.replace(
            "\non = \"return\"\nto = [\"applicant\"]",
            "\non = \"return\"\nto = [\"applicant\", \"body:udvalget\"]",
        )
    });
    one_problem_containing(
        &problems,
        "mail «return»: organet «udvalget» er ikke beskrevet under bodies.",
    );
    let problems = problems_after(|t| t.replace("Ret den her: {link}", "Kære {navn}: {link}"));
    one_problem_containing(
        &problems,
        "mail «return»: teksten bruger den ukendte pladsholder «{navn}»; brug {titel}, {status}, {link} eller {kommentar}.",
    );
    let problems = problems_after(|t| {
        t.replace(
            "subject = \"Ny ansøgning: {titel}\"",
            "subject = \"Ny ansøgning: {title}\"",
        )
    });
    one_problem_containing(
        &problems,
        "mail «submit»: emnet bruger den ukendte pladsholder «{title}»",
    );
    let problems =
        problems_after(|t| t.replace("subject = \"Ny ansøgning: {titel}\"", "subject = \" \""));
    one_problem_containing(&problems, "mail «submit»: Emnet mangler.");
    // Braces around anything but a name are plain text.
    assert!(
        problems_after(|t| t.replace("Ret den her: {link}", "Ret den her {: {link}")).is_empty()
    );
}

#[test]
fn a_mail_is_filled_in_once_and_its_subject_kept_on_one_line() {
    let template = MailTemplate {
        on: "refuse".into(),
        to: vec![Actor::Applicant],
        subject: "Afslag:\n{titel}".into(),
        body: "«{titel}» har status {status}: {kommentar}\n{link} {ukendt} {".into(),
    };
    let values = MailValues {
        titel: "Kursus".into(),
        status: "Afslået".into(),
        link: "https://pulje.example.dk/applications/7".into(),
        kommentar: "Skriv {link} selv".into(),
    };
    let (subject, body) = template.fill(&values);
    assert_eq!(subject, "Afslag: Kursus");
    assert_eq!(
        body,
        "«Kursus» har status Afslået: Skriv {link} selv\nhttps://pulje.example.dk/applications/7 {ukendt} {"
    );
}

#[test]
fn the_evaluation_opens_once_an_application_is_granted() {
    let gp = shipped("almen-praksis-efteruddannelse");
    let clusters = shipped("sundhedsklynger-2022");
    assert!(gp.evaluation.is_empty());
    assert!(!gp.evaluation_open(["submit", "grant"]));
    assert!(!clusters.evaluation.is_empty());
    assert!(!clusters.evaluation_open(["submit", "recommend"]));
    assert!(clusters.evaluation_open(["submit", "recommend", "grant"]));
    assert!(clusters.evaluation_open(["submit", "recommend", "grant", "complete"]));
    assert!(!clusters.evaluation_open(["submit", "reject"]));
}

#[test]
fn an_evaluation_form_cannot_ask_for_files() {
    let problems = problems_after(|t| {
        t.replacen(
            "name = \"gained_text\"\nlabel = \"Hvad har forsøget givet?\"\nkind = \"long_text\"",
            "name = \"gained_text\"\nlabel = \"Hvad har forsøget givet?\"\nkind = \"attachment\"",
            1,
        )
    });
    one_problem_containing(&problems, "evaluation «gained_text»");
    one_problem_containing(&problems, "evalueringsskemaet kan ikke have bilag");
}
