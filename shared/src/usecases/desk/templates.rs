//! The agents' use cases for mail templates: the built-ins (stored or shipped) and custom ones.

use super::{DeskError, TicketDesk};
use crate::domain::template_library::{Template, TemplateLibrary, TemplateName};
use crate::domain::{Clock, Language, Principal, Role};
use crate::ports::{ActionLedger, ContactStore, RuleStore, StoreError, TeamStore, TemplateStore, TicketStore};

impl<S, C> TicketDesk<S, C>
where
    S: TicketStore + ContactStore + TeamStore + TemplateStore + RuleStore + ActionLedger,
    C: Clock,
{
    // ---- templates --------------------------------------------------------------------------

    /// Every template: the built-ins in each shipped language (stored or shipped) and the
    /// stored custom ones. Any staff member may read them.
    pub async fn list_templates(&self) -> Result<Vec<Template>, DeskError> {
        Ok(TemplateLibrary::new(self.store.stored_templates(None).await?).all())
    }

    pub async fn get_template(&self, name: &TemplateName, language: &Language) -> Result<Template, DeskError> {
        TemplateLibrary::new(self.store.stored_templates(Some(name)).await?)
            .exact(name, language)
            .ok_or_else(|| DeskError::NotFound(format!("template {name}/{}", language.as_str())))
    }

    /// Stores an admin's template after checking its sources.
    pub async fn put_template(
        &self,
        who: &Principal,
        name: TemplateName,
        language: Language,
        subject: String,
        text: String,
    ) -> Result<Template, DeskError> {
        who.require(Role::Admin)?;
        let template = Template::stored(name, language, subject, text, &who.subject, self.clock.now())?;
        self.store.put_template(&template).await?;
        Ok(template)
    }

    /// Removes a stored template; a built-in falls back to its shipped default.
    pub async fn delete_template(
        &self,
        who: &Principal,
        name: &TemplateName,
        language: &Language,
    ) -> Result<(), DeskError> {
        who.require(Role::Admin)?;
        match self.store.delete_template(name, language).await {
            Err(StoreError::NotFound { what }) => Err(DeskError::NotFound(what)),
            other => Ok(other?),
        }
    }
}
