//! The ports: what the application needs from the outside world, stated in domain terms.
//! `adapters/` holds the AWS implementations; each translates its SDK's errors into these.

use std::collections::BTreeSet;
use std::future::Future;

use crate::domain::rules::Rule;
use crate::domain::sla::ClockState;
use crate::domain::template_library::{Template, TemplateName};
use crate::domain::{
    Agent, AgentId, AgentLoad, AuditEvent, BlobRef, Channel, Contact, ContactGroup, ContactId, Department,
    DepartmentId, EmailAddress, EventId, Language, Message, MessageId, PhoneNumber, Priority, RuleId, Status, Tag,
    Ticket, TicketId, TicketNumber, Timestamp,
};

mod calendars;
mod canned;
mod directory;
mod metrics;
mod privacy;
mod reports;
mod retention;
mod search;
mod sla;
mod surveys;
pub use calendars::CalendarStore;
pub use canned::CannedStore;
pub use directory::{Account, AgentDirectory, DirectoryError, ROLE_GROUPS};
pub use metrics::MetricsStore;
pub use privacy::{BlobEraser, PrivacyStore};
pub use reports::ReportSubscriptionStore;
pub use retention::RetentionStore;
pub use search::SearchIndex;
pub use sla::SlaStore;
pub use surveys::{NpsCandidate, NpsResponse, NpsStore, PendingSurvey, RatingRecord, SurveySettingsStore, SurveyStore};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The item changed since it was read (or a conditional write lost a race).
    #[error("the item was changed by someone else")]
    VersionConflict,
    /// A unique thing (email, phone, id) is already taken.
    #[error("{what} already exists")]
    AlreadyExists { what: String },
    #[error("{what} not found")]
    NotFound { what: String },
    /// Throttled or timed out after the SDK's retries: worth retrying shortly.
    #[error("the store is busy or slow; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A pagination cursor that this store did not hand out, or for another query.
    #[error("the cursor is not valid for this query")]
    InvalidCursor,
    #[error("store failure")]
    Unknown(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    pub fn unknown(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unknown(Box::new(e))
    }
}

/// A page of results and the cursor for the next one (`None` at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: usize,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TicketSort {
    #[default]
    Newest,
    Oldest,
    /// Urgent first, then oldest first; unsolved tickets only.
    MostUrgent,
    /// The soonest SLA due time first (breached ones are due in the past), paused ones last;
    /// unsolved tickets with an SLA only.
    Sla,
}

/// A ticket list request after validation and access checks.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TicketQuery {
    pub status: Option<Status>,
    pub department: Option<DepartmentId>,
    pub assignee: Option<AgentId>,
    pub priority: Option<Priority>,
    pub tag: Option<Tag>,
    pub requester: Option<ContactId>,
    pub channel: Option<Channel>,
    /// Only unsolved tickets whose SLA is in this state (warning or breached).
    pub sla: Option<ClockState>,
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    /// Only tickets of these departments (an agent's scope); `None` for all.
    pub scope: Option<BTreeSet<DepartmentId>>,
    pub sort: TicketSort,
    pub limit: usize,
    pub cursor: Option<String>,
}

pub use crate::domain::ticket::{OnceKey, TicketWrite};

/// A ticket change is settled by the SLA policies in force, so whoever writes tickets reads them.
pub trait TicketStore: SlaStore + Send + Sync {
    fn next_ticket_number(&self, now: Timestamp) -> impl Future<Output = Result<TicketNumber, StoreError>> + Send;

    /// Writes a new ticket with its number, first messages and events, and a new contact if
    /// given, all or nothing.
    fn create_ticket(
        &self,
        write: &TicketWrite,
        new_contact: Option<&Contact>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Writes changes to one or more tickets in one transaction; each ticket's write holds
    /// only if it is still at the version it was read at. Agents' load counters move with it.
    fn commit(&self, writes: &[TicketWrite]) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.commit_at_loads(writes, &[])
    }

    /// [`commit`](Self::commit), holding only if each agent in `loads_seen` still has the load
    /// it was seen with (a decision made on those loads is not made on stale ones). Any
    /// condition that no longer holds is a `VersionConflict`: read again and decide again.
    fn commit_at_loads(
        &self,
        writes: &[TicketWrite],
        loads_seen: &[AgentLoad],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The load counters of `agents`, in the same order (0 for an agent who never had one).
    fn agent_loads(&self, agents: &[AgentId]) -> impl Future<Output = Result<Vec<AgentLoad>, StoreError>> + Send;

    /// Copies messages and events into another ticket's timeline ahead of a merge. Idempotent:
    /// a retried merge writes the same items again.
    fn carry_over(
        &self,
        messages: &[Message],
        events: &[AuditEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes copies [`carry_over`](Self::carry_over) wrote for a merge that did not happen.
    fn discard_carried(
        &self,
        messages: &[Message],
        events: &[AuditEvent],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    fn get_ticket(&self, id: TicketId) -> impl Future<Output = Result<Option<Ticket>, StoreError>> + Send;

    fn get_message(
        &self,
        ticket: TicketId,
        message: MessageId,
    ) -> impl Future<Output = Result<Option<Message>, StoreError>> + Send;

    /// Records how an outbound message's delivery went; a sent one gets its mail headers and
    /// its Message-ID becomes threadable.
    fn record_delivery(
        &self,
        ticket: TicketId,
        message: MessageId,
        delivery: crate::domain::Delivery,
        email: Option<&crate::domain::EmailDetails>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Makes the Message-IDs one mail we sent went out with (outside the conversation, such as
    /// an acknowledgement: ours, and the one SES wrote over it) thread replies into `ticket`,
    /// attributed to `message`; in one request.
    fn remember_message_ids(
        &self,
        message_ids: &[&str],
        ticket: TicketId,
        message: MessageId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The ticket and message a Message-ID (ours or a customer's) belongs to.
    fn find_message_id(
        &self,
        message_id: &str,
    ) -> impl Future<Output = Result<Option<(TicketId, MessageId)>, StoreError>> + Send;

    /// Whether a stored mail (by its object key) was taken in already: as a ticket's message
    /// (its `OnceKey::RawMail`) or as a mail that became no ticket. A redelivery can stop here,
    /// before it takes a ticket number or writes anything.
    fn mail_seen(&self, raw_key: &str) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a mail that became no ticket (no sender, our own copy, ...) under its raw key;
    /// `false` if it was already recorded. The raw message stays where it is.
    fn record_unticketed_mail(
        &self,
        raw: &BlobRef,
        reason: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    fn find_ticket_id(&self, number: TicketNumber)
    -> impl Future<Output = Result<Option<TicketId>, StoreError>> + Send;
    fn list_tickets(&self, query: &TicketQuery) -> impl Future<Output = Result<Page<Ticket>, StoreError>> + Send;
    fn list_messages(
        &self,
        ticket: TicketId,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Message>, StoreError>> + Send;
    fn list_events(
        &self,
        ticket: TicketId,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<AuditEvent>, StoreError>> + Send;
}

pub trait ContactStore: Send + Sync {
    fn get_contact(&self, id: ContactId) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    fn find_contact_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    fn find_contact_by_phone(
        &self,
        phone: &PhoneNumber,
    ) -> impl Future<Output = Result<Option<Contact>, StoreError>> + Send;
    /// Creates a contact; `AlreadyExists` if its email or phone belongs to another.
    fn create_contact(&self, contact: &Contact) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Marks a contact's address as bouncing (or not).
    fn set_undeliverable(
        &self,
        id: ContactId,
        undeliverable: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces a contact's groups; `NotFound` if there is no such contact.
    fn set_contact_groups(
        &self,
        id: ContactId,
        groups: &BTreeSet<ContactGroup>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

pub trait TeamStore: CalendarStore + Send + Sync {
    fn create_department(&self, department: &Department) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces an existing department; `NotFound` if there is none.
    fn update_department(&self, department: &Department) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_department(&self, id: &DepartmentId) -> impl Future<Output = Result<Option<Department>, StoreError>> + Send;
    fn list_departments(&self) -> impl Future<Output = Result<Vec<Department>, StoreError>> + Send;
    fn create_agent(&self, agent: &Agent) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Replaces an existing agent; `previous_email` keeps the email index true.
    fn update_agent(
        &self,
        agent: &Agent,
        previous_email: &EmailAddress,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn get_agent(&self, id: AgentId) -> impl Future<Output = Result<Option<Agent>, StoreError>> + Send;
    fn find_agent_by_email(
        &self,
        email: &EmailAddress,
    ) -> impl Future<Output = Result<Option<Agent>, StoreError>> + Send;
    fn list_agents(&self) -> impl Future<Output = Result<Vec<Agent>, StoreError>> + Send;
}

/// Automation rules, one small partition.
pub trait RuleStore: Send + Sync {
    /// Every rule, in position order.
    fn list_rules(&self) -> impl Future<Output = Result<Vec<Rule>, StoreError>> + Send;
    fn get_rule(&self, id: RuleId) -> impl Future<Output = Result<Option<Rule>, StoreError>> + Send;
    /// Writes a new rule (`AlreadyExists` if the id is taken) or replaces one (`NotFound`
    /// if there is none).
    fn put_rule(&self, rule: &Rule, new: bool) -> impl Future<Output = Result<(), StoreError>> + Send;
    fn delete_rule(&self, id: RuleId) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Writes a new desk's first rules, once ever: `false` (and nothing written) if the desk
    /// was given its first rules before, even if they were deleted since.
    fn seed_rules(&self, rules: &[Rule]) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// When the time sweep should next look at a ticket (`None`: never). It stays until set
    /// again: writes of the ticket keep it (the reactor sets it again for their events).
    fn set_next_look(
        &self,
        ticket: TicketId,
        at: Option<Timestamp>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Asks the time sweep to set every unsolved and resolved ticket's next look again from the
    /// rules (a time rule was saved at `at`); a request made while one is under way restarts it.
    fn request_reschedule(&self, at: Timestamp) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The request waiting for the sweep, with how far the sweep got.
    fn reschedule_request(&self) -> impl Future<Output = Result<Option<Reschedule>, StoreError>> + Send;
    /// Records how far the sweep got with `request` (`done`: all the way, the request is gone).
    /// Does nothing if a newer request replaced it meanwhile: that one starts from the top.
    fn reschedule_progress(
        &self,
        request: &Reschedule,
        done: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Tickets whose next look is at or before `until`, soonest first, at most `limit`, after
    /// `after` (the last of the previous page) when given: one Query on the due index, so the
    /// cost follows the tickets due, not the table.
    fn due_tickets(
        &self,
        until: Timestamp,
        after: Option<&DueTicket>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<DueTicket>, StoreError>> + Send;
}

/// A request to set every open ticket's next look again, and where the sweep is in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reschedule {
    pub requested_at: Timestamp,
    /// The status whose tickets are being gone through (`None`: not started).
    pub status: Option<crate::domain::Status>,
    /// Where in that status's list (a `TicketQuery` cursor).
    pub cursor: Option<String>,
}

/// A ticket the time sweep should look at, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueTicket {
    pub ticket: TicketId,
    pub due: Timestamp,
}

/// The templates admins stored (the shipped defaults are not stored).
pub trait TemplateStore: Send + Sync {
    /// The stored templates called `name`, in every language; all of them for `None`.
    fn stored_templates(
        &self,
        name: Option<&TemplateName>,
    ) -> impl Future<Output = Result<Vec<Template>, StoreError>> + Send;
    /// Stores a template, replacing one of the same name and language.
    fn put_template(&self, template: &Template) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Removes a stored template; `NotFound` if there was none.
    fn delete_template(
        &self,
        name: &TemplateName,
        language: &Language,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("no object at {0}")]
    NotFound(String),
    #[error("the blob store is busy or slow; retry shortly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("blob store failure")]
    Unknown(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Raw mail and attachments.
pub trait BlobStore: Send + Sync {
    fn get(&self, blob: &BlobRef) -> impl Future<Output = Result<Vec<u8>, BlobError>> + Send;
    fn put(
        &self,
        blob: &BlobRef,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> impl Future<Output = Result<(), BlobError>> + Send;
}

/// What the blob store knows of a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobInfo {
    pub size: u64,
    pub content_type: Option<String>,
}

/// Where a browser posts a file and the form fields that must go with it (the file last).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UploadForm {
    pub url: String,
    pub fields: std::collections::BTreeMap<String, String>,
}

/// Files people reach directly: short-lived signed links to download and upload, and the
/// moves an upload makes once it is attached.
pub trait FileLinks: Send + Sync {
    /// A link that downloads `blob` as `file_name` for `seconds`; `inline` shows it in the
    /// browser (images in a message) instead of saving it.
    fn download_link(
        &self,
        blob: &BlobRef,
        file_name: &str,
        content_type: &str,
        inline: bool,
        seconds: u64,
    ) -> impl Future<Output = Result<String, BlobError>> + Send;
    /// A link that takes one `PUT` of a file of `content_type` to `blob`, for `seconds`.
    fn upload_link(
        &self,
        blob: &BlobRef,
        content_type: &str,
        seconds: u64,
    ) -> impl Future<Output = Result<String, BlobError>> + Send;
    /// A browser form upload (an S3 POST policy) of one file of `content_type` and at most
    /// `max_bytes` to `blob`, for `seconds`: the store itself refuses another type or size.
    fn upload_form(
        &self,
        blob: &BlobRef,
        content_type: &str,
        max_bytes: u64,
        seconds: u64,
    ) -> impl Future<Output = Result<UploadForm, BlobError>> + Send;
    /// Size and type of a stored object; `None` when there is none.
    fn describe(&self, blob: &BlobRef) -> impl Future<Output = Result<Option<BlobInfo>, BlobError>> + Send;
    /// Copies `from` to `to` (within the store).
    fn copy(&self, from: &BlobRef, to: &BlobRef) -> impl Future<Output = Result<(), BlobError>> + Send;
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The provider refused this message for good (bad address, not verified, ...).
    #[error("the mail was refused: {0}")]
    Rejected(String),
    /// Throttled, timed out or failed in a way worth retrying.
    #[error("sending failed; it may be retried")]
    Transient(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The whole account may not send now (sending paused or suspended): no message is at
    /// fault, so none is given up on; it waits until sending is restored.
    #[error("the mail account cannot send now: {0}")]
    Paused(String),
}

/// A mail the provider accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMail {
    /// The provider's id for it (what its delivery reports name).
    pub provider_id: String,
    /// The Message-ID recipients see when the provider writes its own over ours (SES does);
    /// replies quote it, so it must thread too.
    pub provider_message_id: Option<String>,
}

/// Sends built MIME messages.
pub trait MailSender: Send + Sync {
    /// Sends `raw` from `from` to `recipients`.
    fn send_raw(
        &self,
        from: &EmailAddress,
        recipients: &[EmailAddress],
        raw: Vec<u8>,
    ) -> impl Future<Output = Result<SentMail, SendError>> + Send;
}

/// Where a claimed action stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This worker holds it now and must finish (or let the lease lapse).
    Claimed,
    /// Done before: a redelivery, nothing to do.
    AlreadyDone,
    /// Another worker holds it: try again after a while.
    Busy,
}

/// The ledger that makes side effects (mail, webhooks) happen once per (event, action), and
/// counts what must be rate limited.
pub trait ActionLedger: Send + Sync {
    fn claim(
        &self,
        key: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;
    fn complete(&self, key: &str) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Adds one to a counter that expires at `expires`; returns the new count.
    fn bump(&self, key: &str, expires: Timestamp) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// A counter's value (0 when it never counted or expired).
    fn count(&self, key: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;
    /// The effects recorded with the rules' write for `event` (see [`OnceKey::RulesApplied`]);
    /// `None` when the rules wrote nothing for it.
    fn decided_effects(&self, event: EventId) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;
}

/// What became of a webhook delivery after its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookFailure {
    pub attempts: usize,
    /// The last answer: an HTTP status, or what went wrong before one came.
    pub last: String,
    /// The target is one webhooks may not reach: trying again will not help.
    pub refused: bool,
}

/// Calls the webhooks rules ask for.
pub trait WebhookSender: Send + Sync {
    /// POSTs `body` to `url`, signed with `secret` at `timestamp` (Unix seconds); `delivery`
    /// is the same on every retry of one delivery, for the receiver to drop copies. The HTTP
    /// status of a success.
    fn deliver(
        &self,
        url: &str,
        secret: &str,
        delivery: &str,
        timestamp: i64,
        body: &[u8],
    ) -> impl Future<Output = Result<u16, WebhookFailure>> + Send;
}
