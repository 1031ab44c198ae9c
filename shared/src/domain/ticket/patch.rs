//! A change an agent (or a rule) asks of a ticket, checked and applied as audited field
//! changes.

use super::*;

/// What a patch asks to change. `None` leaves a field alone; `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TicketPatch {
    pub subject: Option<String>,
    pub status: Option<Status>,
    pub priority: Option<Priority>,
    pub ticket_type: Option<Option<TicketType>>,
    pub department: Option<Option<DepartmentId>>,
    pub assignee: Option<Option<AgentId>>,
    pub support_level: Option<SupportLevel>,
    pub tags: Option<BTreeSet<Tag>>,
    pub add_tags: BTreeSet<Tag>,
    pub remove_tags: BTreeSet<Tag>,
    /// Keys to set (`Some`) or remove (`None`).
    pub custom_fields: BTreeMap<String, Option<Value>>,
    /// Addresses to copy on the ticket's mail from now on.
    pub add_cc: Vec<EmailAddress>,
    /// Addresses to copy no more (absent ones are no change).
    pub remove_cc: Vec<EmailAddress>,
}

impl TicketPatch {
    pub fn is_empty(&self) -> bool {
        *self == TicketPatch::default()
    }

    /// Refuses a CC list change that names the requester (who gets every reply as the
    /// addressee already, with the portal link a CC must never get) or names one address both
    /// to add and to remove. Fields are named by position, as the request sent them.
    pub fn check_cc(&self, requester: Option<&EmailAddress>) -> Result<(), DomainError> {
        let requester = requester.map(EmailAddress::normalized);
        for (i, address) in self.add_cc.iter().enumerate() {
            if requester.as_deref() == Some(address.normalized().as_str()) {
                return Err(DomainError::invalid(
                    format!("add_cc[{i}]"),
                    "this is the requester's address; the requester gets every reply already",
                ));
            }
            if let Some(j) = self
                .remove_cc
                .iter()
                .position(|r| r.normalized() == address.normalized())
            {
                return Err(DomainError::invalid(
                    format!("remove_cc[{j}]"),
                    "the same address is in add_cc; name it in one of them",
                ));
            }
        }
        Ok(())
    }
}

impl Ticket {
    /// Applies a patch at `now`, returning what actually changed (nothing for a no-op).
    /// Validates the whole patch before changing anything.
    pub fn apply(&mut self, patch: &TicketPatch, now: Timestamp) -> Result<Vec<FieldChange>, DomainError> {
        if self.merged_into.is_some() {
            return Err(DomainError::conflict(
                "this ticket was merged into another and cannot change",
            ));
        }
        if let Some(to) = patch.status {
            self.status.check_transition(to)?;
        }
        let mut next = self.clone();
        let mut changes = Vec::new();

        if let Some(subject) = &patch.subject
            && *subject != next.subject
        {
            changes.push(FieldChange::new(TicketField::Subject, &next.subject, subject));
            next.subject = subject.clone();
        }
        if let Some(to) = patch.status {
            next.set_status(to, now, &mut changes);
        }
        set_field(&mut changes, TicketField::Priority, &mut next.priority, patch.priority);
        set_field(
            &mut changes,
            TicketField::Type,
            &mut next.ticket_type,
            patch.ticket_type,
        );
        set_field(
            &mut changes,
            TicketField::Department,
            &mut next.department,
            patch.department.clone(),
        );
        set_field(&mut changes, TicketField::Assignee, &mut next.assignee, patch.assignee);
        set_field(
            &mut changes,
            TicketField::SupportLevel,
            &mut next.support_level,
            patch.support_level,
        );

        let mut tags = patch.tags.clone().unwrap_or_else(|| next.tags.clone());
        tags.extend(patch.add_tags.iter().cloned());
        tags.retain(|t| !patch.remove_tags.contains(t));
        check_tag_count(&tags)?;
        if tags != next.tags {
            changes.push(FieldChange::new(TicketField::Tags, &next.tags, &tags));
            next.tags = tags;
        }

        let mut cc = next.cc.clone();
        cc.retain(|c| !patch.remove_cc.iter().any(|r| r.normalized() == c.normalized()));
        for address in &patch.add_cc {
            if !cc.iter().any(|c| c.normalized() == address.normalized()) {
                cc.push(address.clone());
            }
        }
        if cc.len() > MAX_CC {
            return Err(DomainError::invalid(
                "add_cc",
                format!("at most {MAX_CC} addresses on a ticket; remove some first"),
            ));
        }
        if cc != next.cc {
            changes.push(FieldChange::new(TicketField::Cc, &next.cc, &cc));
            next.cc = cc;
        }

        let mut fields = next.custom_fields.clone();
        for (key, value) in &patch.custom_fields {
            match value {
                Some(v) => {
                    check_custom_field(key, v)?;
                    fields.insert(key.clone(), v.clone());
                }
                None => {
                    fields.remove(key);
                }
            }
        }
        check_custom_fields(&fields)?;
        if fields != next.custom_fields {
            changes.push(FieldChange::new(
                TicketField::CustomFields,
                &next.custom_fields,
                &fields,
            ));
            next.custom_fields = fields;
        }

        if !changes.is_empty() {
            next.updated_at = now;
        }
        *self = next;
        Ok(changes)
    }

    /// Moves to `to` (already checked) and keeps the lifecycle timestamps true.
    pub(crate) fn set_status(&mut self, to: Status, now: Timestamp, changes: &mut Vec<FieldChange>) {
        if to == self.status {
            return;
        }
        changes.push(FieldChange::new(TicketField::Status, self.status, to));
        match to {
            Status::Resolved => self.resolved_at = Some(now),
            Status::Closed => self.closed_at = Some(now),
            Status::Open if self.status == Status::Resolved => self.resolved_at = None,
            _ => {}
        }
        self.status = to;
        self.updated_at = now;
    }
}

fn set_field<T: PartialEq + Serialize>(
    changes: &mut Vec<FieldChange>,
    name: TicketField,
    current: &mut T,
    wanted: Option<T>,
) {
    if let Some(wanted) = wanted
        && wanted != *current
    {
        changes.push(FieldChange::new(name, &*current, &wanted));
        *current = wanted;
    }
}
