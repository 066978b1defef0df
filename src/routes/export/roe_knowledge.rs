//! How well each question of the rules of engagement is understood, as a spreadsheet: the
//! table of `/admin/roe/knowledge`, one row per version and question, partners' answers
//! beside direct sales'.

use diesel::QueryResult;

use super::Export;
use crate::db::DbConnection;
use crate::db::models::{roe as store, roe_knowledge};
use crate::domain::roe_knowledge::{QuestionAccuracy, by_question};

pub struct RoeKnowledge;

/// A question's accuracy with its words.
pub struct Row {
    accuracy: QuestionAccuracy,
    prompt: String,
}

impl Export for RoeKnowledge {
    type Row = Row;
    /// A question per version: one page.
    type Cursor = ();

    const HEADER: &'static [&'static str] = &[
        "roe_version",
        "question",
        "prompt",
        "partner_correct",
        "partner_answers",
        "sales_correct",
        "sales_answers",
        "partner_accuracy_pct",
        "sales_accuracy_pct",
    ];

    fn file_stem(&self) -> &'static str {
        "roe-knowledge"
    }

    fn page(
        &self,
        conn: &mut DbConnection,
        after: Option<&()>,
        _limit: i64,
    ) -> QueryResult<Vec<Row>> {
        if after.is_some() {
            return Ok(Vec::new());
        }
        let versions = store::history(conn)?;
        let rows = roe_knowledge::by_question(conn)?;
        Ok(by_question(&rows)
            .into_iter()
            .map(|accuracy| {
                let prompt = versions
                    .iter()
                    .find(|v| v.version == accuracy.version)
                    .and_then(|v| v.questions.get(usize::try_from(accuracy.question).ok()?))
                    .map_or(String::new(), |q| q.prompt.clone());
                Row { accuracy, prompt }
            })
            .collect())
    }

    fn cursor(&self, _row: &Row) -> Option<()> {
        None
    }

    fn record(&self, r: &Row) -> Vec<String> {
        let a = &r.accuracy;
        vec![
            a.version.to_string(),
            (a.question + 1).to_string(),
            r.prompt.clone(),
            a.partners.correct.to_string(),
            a.partners.answered.to_string(),
            a.sales.correct.to_string(),
            a.sales.answered.to_string(),
            // Exports write no negative numbers (a leading minus reads as a formula), so the
            // two shares rather than their difference; empty until that side has answered.
            pct(a.partners.tenths()),
            pct(a.sales.tenths()),
        ]
    }
}

/// "50.0" from 500 tenths of a percent.
fn pct(tenths: Option<i64>) -> String {
    tenths.map_or(String::new(), |t| format!("{}.{}", t / 10, t % 10))
}
