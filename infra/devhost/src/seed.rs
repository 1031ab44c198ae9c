//! Demo data for `--seed`: the desk's default business calendar (Prague, Monday to Friday
//! 09:00–17:00), a default SLA policy, two departments, three people, a handful of tickets. Written through
//! the same use cases as the API, so seeded tickets have their audit trail and events too, and
//! the seeded people have their accounts in the (local) user pool.

use std::collections::BTreeSet;

use anyhow::Result;
use shared::domain::calendar::{CalendarDraft, CalendarId, IntervalDraft};
use shared::domain::{
    Channel, Clock, DepartmentId, EmailAddress, Principal, Priority, RequesterDetails, Role, Seniority, SupportLevel,
    Tag,
};
use shared::ports::{
    ActionLedger, AgentDirectory, CannedStore, ContactStore, RuleStore, TeamStore, TemplateStore, TicketStore,
};
use shared::usecases::desk::{NewAgent, NewTicket, TicketDesk};

pub async fn seed<S, C, D>(desk: &TicketDesk<S, C>, directory: &D) -> Result<bool>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger + CannedStore,
    C: Clock,
    D: AgentDirectory + Sync,
{
    let support = DepartmentId::parse("support")?;
    if desk.get_department(&support).await.is_ok() {
        return Ok(false);
    }
    let admin = Principal {
        subject: "seed".into(),
        email: None,
        role: Role::Admin,
        departments: BTreeSet::new(),
    };
    // The desk's default calendar: Prague office hours (docs/calendars.md).
    let prague = CalendarId::parse("prague-office")?;
    let weekdays = ["mon", "tue", "wed", "thu", "fri"].map(|day| {
        let hours = vec![IntervalDraft {
            from: "09:00".into(),
            to: "17:00".into(),
        }];
        (day.to_owned(), hours)
    });
    let office_hours = CalendarDraft {
        name: "Prague office".into(),
        time_zone: "Europe/Prague".into(),
        weekly_hours: weekdays.into_iter().collect(),
        holidays: Vec::new(),
    };
    desk.create_calendar(&admin, prague.clone(), office_hours.check()?)
        .await?;
    desk.set_default_calendar(&admin, Some(prague)).await?;
    // The default SLA policy, counted by that calendar (docs/sla.md): before the tickets, so
    // they carry their clocks.
    let standard = serde_json::from_value(serde_json::json!({
        "name": "Standard",
        "position": 100,
        "targets": {
            "urgent": {"first_response": 60, "next_response": 60, "resolution": 480},
            "high": {"first_response": 240, "next_response": 240, "resolution": 960},
            "normal": {"first_response": 480, "next_response": 480, "resolution": 2400},
            "low": {"first_response": 960, "resolution": 4800}
        }
    }))?;
    desk.create_sla_policy(&admin, standard).await?;
    let billing = DepartmentId::parse("billing")?;
    desk.create_department(&admin, support.clone(), "Customer Support".into(), None)
        .await?;
    desk.create_department(&admin, billing.clone(), "Billing".into(), None)
        .await?;
    let people = [
        ("ann@example.com", "Ann Agent", Role::Agent, &support),
        ("bob@example.com", "Bob Billing", Role::Agent, &billing),
        ("mia@example.com", "Mia Manager", Role::Manager, &support),
    ];
    let mut agents = Vec::new();
    for (email, name, role, department) in people {
        let agent = desk
            .create_agent(
                &admin,
                NewAgent {
                    email: EmailAddress::parse(email)?,
                    name: name.into(),
                    role,
                    seniority: Seniority::Regular,
                    departments: [department.clone()].into(),
                },
                directory,
            )
            .await?;
        agents.push(agent);
    }
    let tickets = [
        (
            "Cannot log in after password reset",
            "jana.novak@example.cz",
            &support,
            Priority::High,
            "login",
        ),
        (
            "Invoice shows the wrong VAT number",
            "peter.kovacs@example.hu",
            &billing,
            Priority::Normal,
            "invoice",
        ),
        (
            "Refund for a double charge",
            "aisyah@example.my",
            &billing,
            Priority::Urgent,
            "refund",
        ),
        (
            "How do I export my data?",
            "sam@example.com",
            &support,
            Priority::Low,
            "how-to",
        ),
    ];
    // A canned response per department for the console's reply box (docs/console.md).
    for department in [&support, &billing] {
        let draft = serde_json::from_value(serde_json::json!({
            "title": "We are on it",
            "body": "Hello {{requester.name}},\n\nthank you for writing. We are looking into {{ticket.number}} and will \
                     get back to you shortly.\n\n{{agent.name}}",
            "department": department,
            "actions": {"status": "pending"},
        }))?;
        shared::usecases::desk::canned::create(desk.store(), desk.clock(), &admin, draft).await?;
    }
    for (subject, email, department, priority, tag) in tickets {
        desk.create_ticket(
            &admin,
            NewTicket {
                subject: subject.into(),
                body: format!("{subject}. Please help."),
                requester: RequesterDetails::new(None, Some(EmailAddress::parse(email)?), None, None)?,
                channel: Channel::Phone,
                priority,
                ticket_type: None,
                department: Some(department.clone()),
                assignee: None,
                support_level: SupportLevel::L1,
                tags: [Tag::parse(tag)?].into(),
                custom_fields: Default::default(),
                cc: vec![],
            },
        )
        .await?;
    }
    Ok(true)
}
