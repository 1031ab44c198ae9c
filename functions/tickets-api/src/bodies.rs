//! Request bodies as clients send them, and their conversion into domain values. Unknown
//! fields are refused so a typo never passes silently.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use shared::domain::calendar::CalendarId;
use shared::domain::contact::parse_name;
use shared::domain::message::parse_body;
use shared::domain::ticket::{check_cc_count, check_custom_fields, check_tag_count, parse_subject};
use shared::domain::{
    AgentId, Channel, ContactGroup, CustomFields, DepartmentId, DomainError, EmailAddress, Language, Level,
    PhoneNumber, Priority, RequesterDetails, Role, Seniority, Status, SupportLevel, Tag, TicketPatch, TicketType,
};
use shared::usecases::desk::{AgentPatch, ContactPatch, DepartmentPatch, NewAgent, NewTicket};

/// `Some(None)` for an explicit `null` (clear the field), `None` when absent (leave it).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequesterBody {
    pub name: Option<String>,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub language: Option<Language>,
}

impl RequesterBody {
    pub fn into_details(self) -> Result<RequesterDetails, DomainError> {
        let name = self.name.as_deref().map(|n| parse_name("name", n)).transpose()?;
        RequesterDetails::new(name, self.email, self.phone, self.language)
    }
}

/// What staff may change on a contact through the API: their groups, and (admins) whether
/// mail to it is stopped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchContactBody {
    #[serde(default)]
    undeliverable: Option<bool>,
    #[serde(default)]
    groups: Option<BTreeSet<ContactGroup>>,
}

impl PatchContactBody {
    pub fn into_patch(self) -> ContactPatch {
        ContactPatch {
            undeliverable: self.undeliverable,
            groups: self.groups,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketBody {
    subject: String,
    body: String,
    requester: RequesterBody,
    channel: Option<Channel>,
    priority: Option<Priority>,
    impact: Option<Level>,
    urgency: Option<Level>,
    #[serde(rename = "type")]
    ticket_type: Option<TicketType>,
    department: Option<DepartmentId>,
    assignee: Option<AgentId>,
    support_level: Option<SupportLevel>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    custom_fields: CustomFields,
    #[serde(default)]
    cc: Vec<EmailAddress>,
}

impl CreateTicketBody {
    pub fn into_new_ticket(self) -> Result<NewTicket, DomainError> {
        let priority = match (self.priority, self.impact, self.urgency) {
            (Some(p), None, None) => p,
            (None, Some(i), Some(u)) => Priority::from_impact_urgency(i, u),
            (None, None, None) => Priority::Normal,
            (Some(_), _, _) => {
                return Err(DomainError::invalid(
                    "priority",
                    "give priority, or impact and urgency, not both",
                ));
            }
            (None, _, _) => return Err(DomainError::invalid("impact", "impact and urgency go together")),
        };
        let tags = self.tags.into_iter().collect();
        check_tag_count(&tags)?;
        check_custom_fields(&self.custom_fields)?;
        check_cc_count(&self.cc)?;
        Ok(NewTicket {
            subject: parse_subject(&self.subject)?,
            body: parse_body("body", &self.body)?,
            requester: self.requester.into_details().map_err(|e| e.within("requester"))?,
            channel: self.channel.unwrap_or(Channel::Api),
            priority,
            ticket_type: self.ticket_type,
            department: self.department,
            assignee: self.assignee,
            support_level: self.support_level.unwrap_or(SupportLevel::L1),
            tags,
            custom_fields: self.custom_fields,
            cc: self.cc,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchTicketBody {
    subject: Option<String>,
    status: Option<Status>,
    priority: Option<Priority>,
    #[serde(rename = "type", default, deserialize_with = "nullable")]
    ticket_type: Option<Option<TicketType>>,
    #[serde(default, deserialize_with = "nullable")]
    department: Option<Option<DepartmentId>>,
    #[serde(default, deserialize_with = "nullable")]
    assignee: Option<Option<AgentId>>,
    support_level: Option<SupportLevel>,
    tags: Option<Vec<Tag>>,
    #[serde(default)]
    add_tags: Vec<Tag>,
    #[serde(default)]
    remove_tags: Vec<Tag>,
    #[serde(default)]
    custom_fields: BTreeMap<String, Option<Value>>,
    #[serde(default)]
    add_cc: Vec<EmailAddress>,
    #[serde(default)]
    remove_cc: Vec<EmailAddress>,
}

impl PatchTicketBody {
    pub fn into_patch(self) -> Result<TicketPatch, DomainError> {
        let patch = TicketPatch {
            subject: self.subject.as_deref().map(parse_subject).transpose()?,
            status: self.status,
            priority: self.priority,
            ticket_type: self.ticket_type,
            department: self.department,
            assignee: self.assignee,
            support_level: self.support_level,
            tags: self.tags.map(|t| t.into_iter().collect()),
            add_tags: self.add_tags.into_iter().collect(),
            remove_tags: self.remove_tags.into_iter().collect(),
            custom_fields: self.custom_fields,
            add_cc: self.add_cc,
            remove_cc: self.remove_cc,
        };
        if patch.is_empty() {
            return Err(DomainError::invalid(
                "body",
                "nothing to change: name at least one field",
            ));
        }
        Ok(patch)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyBody {
    pub body: String,
    pub status: Option<Status>,
    /// Upload ids from `POST /v1/uploads`.
    #[serde(default)]
    pub attachments: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadBody {
    pub name: String,
    pub content_type: String,
    pub size: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub body: String,
}

pub fn message_body(text: &str) -> Result<String, DomainError> {
    parse_body("body", text)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    pub into: String,
    /// The agent's explicit yes to merging two requesters' tickets (refused with 409 otherwise).
    #[serde(default)]
    pub different_requesters: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DryRunBody {
    /// `HD-1042` or a ticket id.
    pub ticket: String,
    /// The event to imagine, as a trigger (`{"on": "ticket_created"}`).
    pub event: shared::domain::rules::Trigger,
    /// Only this rule (enabled or not); all rules when absent.
    pub rule: Option<shared::domain::RuleId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PutTemplateBody {
    pub subject: String,
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDepartmentBody {
    pub id: DepartmentId,
    pub name: String,
    pub lead: Option<AgentId>,
    pub calendar_id: Option<CalendarId>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchDepartmentBody {
    name: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    lead: Option<Option<AgentId>>,
    #[serde(default, deserialize_with = "nullable")]
    calendar_id: Option<Option<CalendarId>>,
}

impl PatchDepartmentBody {
    pub fn into_patch(self) -> Result<DepartmentPatch, DomainError> {
        if self.name.is_none() && self.lead.is_none() && self.calendar_id.is_none() {
            return Err(DomainError::invalid(
                "body",
                "nothing to change: name at least one field",
            ));
        }
        Ok(DepartmentPatch {
            name: self.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
            lead: self.lead,
            calendar: self.calendar_id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateAgentBody {
    email: EmailAddress,
    name: String,
    role: Role,
    seniority: Option<Seniority>,
    #[serde(default)]
    departments: Vec<DepartmentId>,
}

impl CreateAgentBody {
    pub fn into_new_agent(self) -> Result<NewAgent, DomainError> {
        Ok(NewAgent {
            email: self.email,
            name: parse_name("name", &self.name)?,
            role: self.role,
            seniority: self.seniority.unwrap_or(Seniority::Regular),
            departments: self.departments.into_iter().collect(),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PatchAgentBody {
    email: Option<EmailAddress>,
    name: Option<String>,
    role: Option<Role>,
    seniority: Option<Seniority>,
    departments: Option<Vec<DepartmentId>>,
    active: Option<bool>,
}

impl PatchAgentBody {
    pub fn into_patch(self) -> Result<AgentPatch, DomainError> {
        let patch = AgentPatch {
            email: self.email,
            name: self.name.as_deref().map(|n| parse_name("name", n)).transpose()?,
            role: self.role,
            seniority: self.seniority,
            departments: self.departments.map(|d| d.into_iter().collect()),
            active: self.active,
        };
        if patch == AgentPatch::default() {
            return Err(DomainError::invalid(
                "body",
                "nothing to change: name at least one field",
            ));
        }
        Ok(patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(json: &str) -> Result<NewTicket, String> {
        let body: CreateTicketBody = serde_json::from_str(json).map_err(|e| e.to_string())?;
        body.into_new_ticket().map_err(|e| e.to_string())
    }

    #[test]
    fn impact_and_urgency_give_the_priority() {
        let t = create(r#"{"subject":"s","body":"b","requester":{"email":"a@b.cz"},"impact":"high","urgency":"high"}"#)
            .unwrap();
        assert_eq!(t.priority, Priority::Urgent);
        assert_eq!(t.channel, Channel::Api);
    }

    #[test]
    fn priority_and_impact_together_are_refused() {
        let err = create(r#"{"subject":"s","body":"b","requester":{"email":"a@b.cz"},"priority":"low","impact":"high","urgency":"low"}"#).unwrap_err();
        assert!(err.starts_with("priority:"), "{err}");
    }

    #[test]
    fn a_requester_error_names_the_nested_field() {
        let body: CreateTicketBody =
            serde_json::from_str(r#"{"subject":"s","body":"b","requester":{"name":"x"}}"#).unwrap();
        let err = body.into_new_ticket().unwrap_err();
        assert_eq!(
            err,
            DomainError::invalid("requester.email", "a requester needs an email or a phone")
        );
    }

    #[test]
    fn null_clears_and_absence_leaves() {
        let body: PatchTicketBody = serde_json::from_str(r#"{"assignee":null}"#).unwrap();
        assert_eq!(body.into_patch().unwrap().assignee, Some(None));
        let body: PatchTicketBody = serde_json::from_str(r#"{"priority":"low"}"#).unwrap();
        let patch = body.into_patch().unwrap();
        assert_eq!(patch.assignee, None);
        assert_eq!(patch.priority, Some(Priority::Low));
        let body: PatchTicketBody = serde_json::from_str("{}").unwrap();
        assert!(body.into_patch().is_err());
    }

    #[test]
    fn cc_changes_are_addresses() {
        let body: PatchTicketBody =
            serde_json::from_str(r#"{"add_cc":["boss@example.com"],"remove_cc":["old@example.com"]}"#).unwrap();
        let patch = body.into_patch().unwrap();
        assert_eq!(patch.add_cc[0].as_str(), "boss@example.com");
        assert_eq!(patch.remove_cc[0].as_str(), "old@example.com");
        assert!(serde_json::from_str::<PatchTicketBody>(r#"{"add_cc":["a@b.cz","nope"]}"#).is_err());
    }
}
