//! The domain: the help desk's types and their rules (tickets, contacts, mail, automation
//! rules, templates, business calendars, signing), with no I/O. Everything here is tested with
//! plain values; time comes in through [`Clock`] or as an argument.

pub mod access;
pub mod audit;
pub mod calendar;
pub mod contact;
pub mod contact_form;
pub mod error;
pub mod events;
pub mod feedback;
pub mod files;
pub mod ids;
pub mod load;
pub mod mail;
pub mod message;
pub mod metrics;
pub mod nps;
pub mod privacy;
pub mod retention;
pub mod rules;
pub mod satisfaction;
pub mod search;
pub mod signing;
pub mod sla;
pub mod team;
pub mod template_library;
pub mod templates;
pub mod threading;
pub mod ticket;
pub mod time;
pub mod version;

pub use access::Principal;
pub use audit::{Actor, AuditEvent, EventType};
pub use calendar::BusinessCalendar;
pub use contact::{Contact, ContactGroup, EmailAddress, Language, PhoneNumber, RequesterDetails};
pub use error::DomainError;
pub use events::{TICKET_EVENT_VERSION, TicketEvent};
pub use feedback::{DeliveryFeedback, FeedbackKind};
pub use ids::{
    AgentId, ContactId, EventId, MessageId, ReportSubscriptionId, RuleId, SlaPolicyId, TicketId, TicketNumber,
    TicketRef,
};
pub use load::{AgentLoad, AsRead, LoadChange};
pub use message::{AgentSubject, Attachment, Author, BlobRef, Delivery, EmailDetails, Message, Visibility, Writer};
pub use team::{Agent, Assignee, Department, DepartmentId, Role, Seniority};
pub use ticket::{
    Channel, CustomFields, FieldChange, Level, Priority, Revision, Status, SupportLevel, Tag, Ticket, TicketField,
    TicketPatch, TicketPointer, TicketType,
};
pub use time::{Clock, FixedClock, SystemClock, Timestamp};
pub use version::{Precondition, Version};
