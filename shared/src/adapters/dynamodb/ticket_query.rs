//! The ticket list planner: picks an index from the filters, then walks its partitions
//! page by page (see docs/data-model.md, "How a ticket list is planned").

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{Datelike, NaiveDate};

use super::cursor::Cursor;
use super::items::{self, Item, s};
use super::keys::*;
use super::{DynamoStore, sdk_error};
use crate::domain::Ticket;
use crate::ports::{Page, StoreError, TicketQuery, TicketSort};

/// Items a filtered list may read per request before it returns a short page with a cursor,
/// so one request's cost stays bounded whatever the filters.
const QUERIES_PER_PAGE: usize = 10;
const FILTERED_READ_SIZE: i32 = 100;

/// How one list request reads: an index, the partitions to walk in order, and the rest.
struct Plan {
    index: Index,
    partitions: Vec<String>,
    ascending: bool,
    /// Created range on the sort key (only on indexes sorted by creation).
    key_range: Option<(Option<String>, Option<String>)>,
    filter: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl DynamoStore {
    /// One page of a ticket list.
    pub(super) async fn list_ticket_page(&self, query: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let plan = self.plan(query).await?;
        self.run_plan(&plan, query).await
    }

    /// Chooses the index from the most selective filter. A plan with no partitions matches
    /// nothing (but its cursor is still checked).
    async fn plan(&self, q: &TicketQuery) -> Result<Plan, StoreError> {
        let mut names = HashMap::new();
        let mut values = HashMap::new();
        let mut filters = Vec::new();
        let mut add = |attr: &str, value: String, filters: &mut Vec<String>| {
            names.insert(format!("#{attr}"), attr.to_owned());
            values.insert(format!(":{attr}"), s(value));
            filters.push(format!("#{attr} = :{attr}"));
        };

        let (index, partitions) = if q.sort == TicketSort::Sla || q.sla.is_some() && q.sort != TicketSort::MostUrgent {
            // The SLA filter reads the SLA index too: only unsolved tickets with an SLA are in it.
            (BY_SLA, Some(vec![UNSOLVED.to_owned()]))
        } else if q.sort == TicketSort::MostUrgent {
            (BY_URGENCY, Some(vec![UNSOLVED.to_owned()]))
        } else if let Some(r) = q.requester {
            (BY_REQUESTER, Some(vec![r.to_string()]))
        } else if let Some(a) = q.assignee {
            (BY_ASSIGNEE, Some(vec![a.to_string()]))
        } else if let Some(d) = &q.department {
            (BY_DEPARTMENT, Some(vec![d.to_string()]))
        } else if let Some(st) = q.status {
            (BY_STATUS, Some(vec![st.as_str().to_owned()]))
        } else {
            (BY_MONTH, None)
        };

        if let Some(st) = q.status.filter(|_| index != BY_STATUS) {
            add("status", st.as_str().to_owned(), &mut filters);
        }
        if let Some(d) = q.department.as_ref().filter(|_| index != BY_DEPARTMENT) {
            add("department", d.to_string(), &mut filters);
        }
        if let Some(a) = q.assignee.filter(|_| index != BY_ASSIGNEE) {
            add("assignee", a.to_string(), &mut filters);
        }
        if let Some(r) = q.requester.filter(|_| index != BY_REQUESTER) {
            add("requester", r.to_string(), &mut filters);
        }
        if let Some(p) = q.priority {
            add("priority", p.as_str().to_owned(), &mut filters);
        }
        if let Some(c) = q.channel {
            add("channel", c.as_str().to_owned(), &mut filters);
        }
        if let Some(state) = q.sla {
            add(SLA_STATE, state.as_str().to_owned(), &mut filters);
        }
        if let Some(tag) = &q.tag {
            names.insert("#tags".into(), "tags".into());
            values.insert(":tag".into(), s(tag.as_str()));
            filters.push("contains(#tags, :tag)".into());
        }
        let mut nothing_visible = false;
        if let Some(scope) = &q.scope {
            nothing_visible = scope.is_empty();
            names.insert("#department".into(), "department".into());
            let placeholders: Vec<String> = scope
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    values.insert(format!(":scope{i}"), s(d.as_str()));
                    format!(":scope{i}")
                })
                .collect();
            if !nothing_visible {
                filters.push(format!("#department IN ({})", placeholders.join(", ")));
            }
        }
        let from = q.created_from.map(|t| t.to_string());
        let to = q.created_to.map(|t| format!("{t}~"));
        let key_range = if index.sk == "created_sk" {
            (from.is_some() || to.is_some()).then(|| (from.clone(), to.clone()))
        } else {
            if let Some(f) = &from {
                names.insert("#created_at".into(), "created_at".into());
                values.insert(":created_from".into(), s(f.clone()));
                filters.push("#created_at >= :created_from".into());
            }
            if let Some(t) = q.created_to {
                names.insert("#created_at".into(), "created_at".into());
                values.insert(":created_to".into(), s(t.to_string()));
                filters.push("#created_at <= :created_to".into());
            }
            None
        };

        let ascending = q.sort != TicketSort::Newest || index == BY_SLA;
        let partitions = match partitions {
            _ if nothing_visible => vec![],
            Some(p) => p,
            None => {
                let Some((first, last)) = self.month_bounds().await? else {
                    return Ok(Plan {
                        index,
                        partitions: vec![],
                        ascending,
                        key_range,
                        filter: None,
                        names,
                        values,
                    });
                };
                let first = q
                    .created_from
                    .map(|t| t.month())
                    .filter(|m| *m > first)
                    .unwrap_or(first);
                let last = q.created_to.map(|t| t.month()).filter(|m| *m < last).unwrap_or(last);
                let mut months = months_between(&first, &last);
                if !ascending {
                    months.reverse();
                }
                months
            }
        };
        Ok(Plan {
            index,
            partitions,
            ascending,
            key_range,
            filter: (!filters.is_empty()).then(|| filters.join(" AND ")),
            names,
            values,
        })
    }

    async fn month_bounds(&self) -> Result<Option<(String, String)>, StoreError> {
        let Some(counter) = self.get(COUNTER_PK.into(), COUNTER_SK).await? else {
            return Ok(None);
        };
        Ok(items::string_attr(&counter, "first_month").zip(items::string_attr(&counter, "last_month")))
    }

    async fn run_plan(&self, plan: &Plan, q: &TicketQuery) -> Result<Page<Ticket>, StoreError> {
        let key_attrs = [PK, SK, plan.index.pk, plan.index.sk];
        let walks_months = plan.index == BY_MONTH;
        let cursor = q
            .cursor
            .as_deref()
            .map(|c| Cursor::decode(c, plan.index.name, &key_attrs))
            .transpose()?;
        let mut start_key = cursor.as_ref().and_then(Cursor::start_key);
        let first_partition = match cursor.as_ref().and_then(|c| c.partition.as_ref()) {
            Some(p) => plan
                .partitions
                .iter()
                .position(|x| x == p)
                .ok_or(StoreError::InvalidCursor)?,
            None => 0,
        };
        if walks_months != cursor.as_ref().is_some_and(|c| c.partition.is_some()) && cursor.is_some() {
            return Err(StoreError::InvalidCursor);
        }
        let mut tickets = Vec::new();
        let mut queries = 0;
        for (pi, partition) in plan.partitions.iter().enumerate().skip(first_partition) {
            loop {
                let remaining = (q.limit - tickets.len()) as i32;
                let limit = if plan.filter.is_some() {
                    FILTERED_READ_SIZE.max(remaining)
                } else {
                    remaining
                };
                let (items, last) = self.query_partition(plan, partition, start_key.take(), limit).await?;
                queries += 1;
                let count = items.len();
                for (i, item) in items.into_iter().enumerate() {
                    let key = Cursor::key_of(&item, &key_attrs);
                    tickets.push(items::from_item(item)?);
                    if tickets.len() == q.limit {
                        let more = i + 1 < count || last.is_some() || pi + 1 < plan.partitions.len();
                        let cursor = more.then(|| Cursor {
                            index: plan.index.name.into(),
                            partition: walks_months.then(|| partition.clone()),
                            key: Some(key),
                        });
                        return Ok(Page {
                            items: tickets,
                            cursor: cursor.map(|c| c.encode()),
                        });
                    }
                }
                match last {
                    Some(k) if queries < QUERIES_PER_PAGE => start_key = Some(k),
                    Some(k) => {
                        let cursor = Cursor {
                            index: plan.index.name.into(),
                            partition: walks_months.then(|| partition.clone()),
                            key: Some(Cursor::key_of(&k, &key_attrs)),
                        };
                        return Ok(Page {
                            items: tickets,
                            cursor: Some(cursor.encode()),
                        });
                    }
                    None => break,
                }
            }
            if queries >= QUERIES_PER_PAGE && pi + 1 < plan.partitions.len() {
                let cursor = Cursor {
                    index: plan.index.name.into(),
                    partition: Some(plan.partitions[pi + 1].clone()),
                    key: None,
                };
                return Ok(Page {
                    items: tickets,
                    cursor: Some(cursor.encode()),
                });
            }
        }
        Ok(Page {
            items: tickets,
            cursor: None,
        })
    }

    async fn query_partition(
        &self,
        plan: &Plan,
        partition: &str,
        start: Option<Item>,
        limit: i32,
    ) -> Result<(Vec<Item>, Option<Item>), StoreError> {
        let mut condition = "#ixpk = :ixpk".to_owned();
        let mut request = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(plan.index.name)
            .expression_attribute_names("#ixpk", plan.index.pk)
            .expression_attribute_values(":ixpk", s(partition))
            .scan_index_forward(plan.ascending)
            .set_exclusive_start_key(start)
            .limit(limit.max(1));
        if let Some((from, to)) = &plan.key_range {
            request = request.expression_attribute_names("#ixsk", plan.index.sk);
            match (from, to) {
                (Some(f), Some(t)) => {
                    condition.push_str(" AND #ixsk BETWEEN :lo AND :hi");
                    request = request
                        .expression_attribute_values(":lo", s(f))
                        .expression_attribute_values(":hi", s(t));
                }
                (Some(f), None) => {
                    condition.push_str(" AND #ixsk >= :lo");
                    request = request.expression_attribute_values(":lo", s(f));
                }
                (None, Some(t)) => {
                    condition.push_str(" AND #ixsk <= :hi");
                    request = request.expression_attribute_values(":hi", s(t));
                }
                (None, None) => {}
            }
        }
        for (k, v) in &plan.names {
            request = request.expression_attribute_names(k, v);
        }
        for (k, v) in &plan.values {
            request = request.expression_attribute_values(k, v.clone());
        }
        let out = request
            .key_condition_expression(condition)
            .set_filter_expression(plan.filter.clone())
            .send()
            .await
            .map_err(sdk_error)?;
        Ok((out.items.unwrap_or_default(), out.last_evaluated_key))
    }
}

/// `YYYY-MM` months from `first` to `last`, inclusive, ascending.
fn months_between(first: &str, last: &str) -> Vec<String> {
    let parse = |m: &str| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok();
    let (Some(mut month), Some(end)) = (parse(first), parse(last)) else {
        return vec![];
    };
    let mut months = Vec::new();
    while month <= end && months.len() < 1200 {
        months.push(month.format("%Y-%m").to_string());
        month = if month.month() == 12 {
            NaiveDate::from_ymd_opt(month.year() + 1, 1, 1).unwrap_or(end)
        } else {
            NaiveDate::from_ymd_opt(month.year(), month.month() + 1, 1).unwrap_or(end)
        };
        if month == end && months.last().map(String::as_str) == Some(&end.format("%Y-%m").to_string()) {
            break;
        }
    }
    months
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_walk_across_years() {
        assert_eq!(
            months_between("2025-11", "2026-02"),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
        assert_eq!(months_between("2026-02", "2026-02"), ["2026-02"]);
        assert!(months_between("2026-03", "2026-02").is_empty());
        assert!(months_between("bad", "2026-02").is_empty());
    }
}
