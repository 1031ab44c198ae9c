// The console's words in en, cs, hu and ms (the contact form's languages). The language is the
// one chosen in the header, else the browser's first supported one, else English.

export const LANGUAGES = [['en', 'English'], ['cs', 'Čeština'], ['hu', 'Magyar'], ['ms', 'Bahasa Melayu']];

const en = {
  rules: 'Rules', position: 'Order', name: 'Name', triggers: 'Triggers', enabled: 'On', enabled_rule: '{name} is on', rule_on: '{name} switched on.', rule_off: '{name} switched off.',
  bulk: 'With the ticked:', bulk_none: 'Tick tickets first.', bulk_done: 'Tickets changed: {count}.', set_status: 'Set status', add_tag: 'Add tag', select: 'Select', select_ticket: 'Select {number}',
  sign_in_unconfigured: 'Sign-in is not switched on yet: deploy again with the ConsoleUrl parameter set to this page’s address (docs/console.md).',
  sign_in: 'Sign in', sign_out: 'Sign out', dev_sign_in_hint: 'Dev host: choose a seeded person to sign in as.',
  role_agent: 'agent', role_manager: 'manager', role_admin: 'admin',
  search: 'Search', search_placeholder: 'Search: HD-1001, email, name, words…', search_results: 'Results for “{q}”',
  no_results: 'No tickets found.', loading: 'Loading…', language: 'Language',
  queues: 'Queues', queue_mine: 'Mine', queue_unassigned: 'Unassigned in {department}', queue_pending: 'Pending',
  queue_at_risk: 'At risk', queue_breached: 'Breached', queue_empty: 'Nothing here.',
  sort: 'Sort', sort_urgent: 'Most urgent', sort_sla: 'SLA time left', sort_oldest: 'Oldest first', sort_newest: 'Newest first',
  any: 'any', status: 'Status', priority: 'Priority', channel: 'Channel', tag: 'Tag', tags: 'Tags', cc: 'CC',
  number: 'Number', subject: 'Subject', department: 'Department', sla: 'SLA', updated: 'Updated',
  assignee: 'Assignee', support_level: 'Level', nobody: 'nobody',
  status_new: 'New', status_open: 'Open', status_pending: 'Pending', 'status_on-hold': 'On hold',
  status_resolved: 'Resolved', status_closed: 'Closed', status_spam: 'Spam',
  priority_low: 'Low', priority_normal: 'Normal', priority_high: 'High', priority_urgent: 'Urgent',
  sla_breached: 'breached', sla_warning: 'at risk', sla_due: 'due {when}',
  properties: 'Properties', save: 'Save', saved: 'Saved.', nothing_changed: 'Nothing to save.',
  assign_to_me: 'Assign to me', resolve: 'Resolve', reload: 'Show the current ticket',
  conflict: 'Someone else changed this ticket after you opened it. Nothing was saved. What changed:',
  timeline: 'Conversation and history', customer: 'Customer', agent_reply: 'Reply', internal_note: 'Internal note', system: 'System',
  reply: 'Reply', message: 'Message', canned_responses: 'Canned responses', canned_pick: 'Insert a canned response…',
  status_on_send: 'Status on send', keep_status: 'keep as is', send_reply: 'Send reply', add_note: 'Add internal note',
  message_empty: 'Write a message first.', reply_sent: 'Reply sent.', note_added: 'Note added.',
  requester_tickets: "The requester's other tickets",
  assign: 'Assign',
  mail_frame: 'Mail from {from}', images_blocked: 'Remote images are not shown.', show_images: 'Show images ({count})', attachments: 'Attachments', quarantined: 'flagged by the virus scan',
  attach_files: 'Attach files', upload_failed: '{name} could not be uploaded.',
  custom_fields: 'Custom fields', field_name: 'New field name', field_value: 'Value', custom_fields_hint: 'Empty a value to remove its field.', field_name_rule: 'A field name is 1 to 40 of a-z, 0-9 and _, starting with a letter.', merge: 'Merge', merge_into: 'Merge this ticket into', merge_target_missing: 'Say which ticket to merge into.', merge_different_requesters: 'Yes, merge tickets of two different requesters', merge_confirm: 'The tickets have different requesters: tick the box to merge them anyway.', merged: '{number} was merged into {into}.',
  pages: 'Pages', personal: 'Only me', shared_with: 'Shared with', canned_new: 'New canned response', canned_edit: 'Edit “{title}”', title: 'Title', placeholders_hint: 'Placeholders: {{requester.name}}, {{ticket.number}}, {{agent.name}}.', cancel: 'Cancel', edit: 'Edit', delete: 'Delete', deleted: 'Deleted.', canned_delete_confirm: 'Delete “{title}”?', actions: 'Actions', none_yet: 'None yet.', metrics: 'Metrics', group_by: 'Group by', group_all: 'everything', group_department: 'department', group_channel: 'channel', group_priority: 'priority', group_agent: 'agent', period: '{from} to {to}', group: 'Group', m_created: 'Created', m_solved: 'Solved', m_backlog: 'Backlog', m_replies: 'Replies', m_first_response: 'First response (median)', m_resolution: 'Resolution (median)', m_fcr: 'First-contact resolution', m_sla_resolution: 'Resolution SLA met', m_csat: 'CSAT', m_reopen: 'Reopened', satisfaction: 'Satisfaction', satisfaction_summary: 'Last 30 days: {good} good, {bad} bad; score {score}.', rating: 'Rating', rating_good: 'Good', rating_bad: 'Bad', comment: 'Comment', when: 'When', sla_policies: 'SLA policies', sla_targets: 'Targets', sla_first_response: 'first response', sla_next_response: 'next response', sla_resolution: 'resolution', business_time: 'Business time', calendar: 'Calendar', calendars: 'Business calendars', default_calendar: 'the desk default', time_zone: 'Time zone', hours: 'Hours', holidays: 'Holidays', yes: 'yes', no: 'no', team: 'Team', departments: 'Departments', agents: 'Agents', lead: 'Lead', email: 'Email', role: 'Role', active: 'Active',
  rule_edit: 'Edit rule “{name}”', rule_conditions: 'Conditions (JSON)', rule_actions: 'Actions (JSON)', not_json: 'Not valid JSON: {reason}', rule_moved: '{name} moved.', move_up: 'Move {name} up', move_down: 'Move {name} down',
  dry_run: 'Try on a ticket', dry_run_go: 'Try', dry_run_fired: 'It would fire.', dry_run_skipped: 'It would not fire:', dry_run_nothing: 'No rule ran.', dry_run_changes: 'Changes', dry_run_effects: 'Mail, notes and webhooks',
  delete_confirm: 'Delete {name}?', create: 'Create', remove: 'Remove',
  invite_agent: 'Invite an agent', invite: 'Invite', invite_hint: 'Creates their sign-in account in the team’s user pool; Cognito mails them a temporary password.', invited: '{email} was invited.', agent_edit: 'Edit {name}', agent_saved: '{name} saved.', active_hint: 'Active (may sign in and take tickets)', seniority: 'Seniority', seniority_junior: 'junior', seniority_regular: 'regular', seniority_senior: 'senior',
  department_new: 'New department', department_edit: 'Edit department {name}', department_id: 'Id (a-z, 0-9, -; cannot change)', no_lead: 'no lead',
  templates: 'Templates', templates_hint: 'Every mail the desk sends, per language. A changed one is used from the next mail on; the shipped text can be brought back.', template_edit: 'Edit {name} ({language})', template_text: 'Text', template_variables: 'Variables: contact_name, ticket_number, ticket_subject, agent_name, team_name, body, status_link (guard optional ones with {% if %}).', customized: 'Changed', shipped: 'shipped', template_reset: 'Back to shipped', template_reset_confirm: 'Replace {name} with the shipped text?', template_reset_done: 'The shipped text is back.',
  sla_policy_new: 'New SLA policy', sla_policy_edit: 'Edit policy {name}', sla_targets_minutes: 'Targets in minutes (empty: not measured)', warning_at: 'Warn at', warning_percent: 'percent of the target', warning_minutes: 'minutes before it', warning_value: 'Warning value', business_time_hint: 'Count business time by the calendar (else every minute)', pause_when_waiting: 'Pause while pending or on hold', sla_conditions: 'Applies to (JSON conditions; {} for every ticket)',
  calendar_new: 'New calendar', calendar_edit: 'Edit calendar {name}', calendar_id: 'Id (cannot change)', hours_hint: 'Per day, e.g. 09:00-12:00, 13:00-17:00; empty: not worked.', bad_hours: 'Write hours as 09:00-17:00, separated by commas.', holiday_add: 'Add a holiday', holiday_date: 'Holiday {n}: date', holiday_name: 'Holiday {n}: name', yearly: 'every year', stale_calendar: 'Someone else changed this calendar after you opened it. Nothing was saved; open it again.',
  day_mon: 'Monday', day_tue: 'Tuesday', day_wed: 'Wednesday', day_thu: 'Thursday', day_fri: 'Friday', day_sat: 'Saturday', day_sun: 'Sunday',
};

const cs = {
  rules: 'Pravidla', position: 'Pořadí', name: 'Název', triggers: 'Spouštěče', enabled: 'Zapnuto', enabled_rule: '{name} je zapnuté', rule_on: '{name} zapnuto.', rule_off: '{name} vypnuto.',
  bulk: 'Zaškrtnuté:', bulk_none: 'Nejdřív zaškrtněte tikety.', bulk_done: 'Změněno tiketů: {count}.', set_status: 'Nastavit stav', add_tag: 'Přidat štítek', select: 'Vybrat', select_ticket: 'Vybrat {number}',
  sign_in_unconfigured: 'Přihlášení ještě není zapnuté: nasaďte znovu s parametrem ConsoleUrl nastaveným na adresu této stránky (docs/console.md).',
  sign_in: 'Přihlásit se', sign_out: 'Odhlásit se', dev_sign_in_hint: 'Vývojový hostitel: vyberte osobu, za kterou se přihlásíte.',
  role_agent: 'agent', role_manager: 'vedoucí', role_admin: 'správce',
  search: 'Hledat', search_placeholder: 'Hledat: HD-1001, e-mail, jméno, slova…', search_results: 'Výsledky pro „{q}“',
  no_results: 'Žádné tikety.', loading: 'Načítám…', language: 'Jazyk',
  queues: 'Fronty', queue_mine: 'Moje', queue_unassigned: 'Nepřidělené v {department}', queue_pending: 'Čekající',
  queue_at_risk: 'Ohrožené', queue_breached: 'Po termínu', queue_empty: 'Nic tu není.',
  sort: 'Řazení', sort_urgent: 'Nejnaléhavější', sort_sla: 'Zbývající čas SLA', sort_oldest: 'Nejstarší', sort_newest: 'Nejnovější',
  any: 'vše', status: 'Stav', priority: 'Priorita', channel: 'Kanál', tag: 'Štítek', tags: 'Štítky', cc: 'Kopie',
  number: 'Číslo', subject: 'Předmět', department: 'Oddělení', sla: 'SLA', updated: 'Změněno',
  assignee: 'Řešitel', support_level: 'Úroveň', nobody: 'nikdo',
  status_new: 'Nový', status_open: 'Otevřený', status_pending: 'Čeká', 'status_on-hold': 'Pozastavený',
  status_resolved: 'Vyřešený', status_closed: 'Uzavřený', status_spam: 'Spam',
  priority_low: 'Nízká', priority_normal: 'Běžná', priority_high: 'Vysoká', priority_urgent: 'Naléhavá',
  sla_breached: 'po termínu', sla_warning: 'ohrožený', sla_due: 'termín {when}',
  properties: 'Vlastnosti', save: 'Uložit', saved: 'Uloženo.', nothing_changed: 'Není co uložit.',
  assign_to_me: 'Přidělit mně', resolve: 'Vyřešit', reload: 'Zobrazit aktuální tiket',
  conflict: 'Tiket mezitím změnil někdo jiný. Nic nebylo uloženo. Co se změnilo:',
  timeline: 'Konverzace a historie', customer: 'Zákazník', agent_reply: 'Odpověď', internal_note: 'Interní poznámka', system: 'Systém',
  reply: 'Odpověď', message: 'Zpráva', canned_responses: 'Šablony odpovědí', canned_pick: 'Vložit šablonu odpovědi…',
  status_on_send: 'Stav po odeslání', keep_status: 'ponechat', send_reply: 'Odeslat odpověď', add_note: 'Přidat interní poznámku',
  message_empty: 'Nejdřív napište zprávu.', reply_sent: 'Odpověď odeslána.', note_added: 'Poznámka přidána.',
  requester_tickets: 'Další tikety žadatele',
  assign: 'Přidělit',
  mail_frame: 'E-mail od {from}', images_blocked: 'Vzdálené obrázky nejsou zobrazeny.', show_images: 'Zobrazit obrázky ({count})', attachments: 'Přílohy', quarantined: 'zachyceno antivirem',
  attach_files: 'Přiložit soubory', upload_failed: '{name} se nepodařilo nahrát.',
  custom_fields: 'Vlastní pole', field_name: 'Název nového pole', field_value: 'Hodnota', custom_fields_hint: 'Vymazáním hodnoty pole odeberete.', field_name_rule: 'Název pole má 1 až 40 znaků a-z, 0-9 a _ a začíná písmenem.', merge: 'Sloučit', merge_into: 'Sloučit tento tiket do', merge_target_missing: 'Uveďte, do kterého tiketu sloučit.', merge_different_requesters: 'Ano, sloučit tikety dvou různých žadatelů', merge_confirm: 'Tikety mají různé žadatele: zaškrtněte políčko, chcete-li je přesto sloučit.', merged: '{number} byl sloučen do {into}.',
  pages: 'Stránky', personal: 'Jen já', shared_with: 'Sdíleno s', canned_new: 'Nová připravená odpověď', canned_edit: 'Upravit „{title}“', title: 'Název', placeholders_hint: 'Zástupné symboly: {{requester.name}}, {{ticket.number}}, {{agent.name}}.', cancel: 'Zrušit', edit: 'Upravit', delete: 'Smazat', deleted: 'Smazáno.', canned_delete_confirm: 'Smazat „{title}“?', actions: 'Akce', none_yet: 'Zatím nic.', metrics: 'Metriky', group_by: 'Seskupit podle', group_all: 'vše', group_department: 'oddělení', group_channel: 'kanál', group_priority: 'priorita', group_agent: 'agent', period: '{from} až {to}', group: 'Skupina', m_created: 'Vytvořeno', m_solved: 'Vyřešeno', m_backlog: 'Nevyřízeno', m_replies: 'Odpovědi', m_first_response: 'První odpověď (medián)', m_resolution: 'Vyřešení (medián)', m_fcr: 'Vyřešeno napoprvé', m_sla_resolution: 'SLA vyřešení splněno', m_csat: 'CSAT', m_reopen: 'Znovu otevřeno', satisfaction: 'Spokojenost', satisfaction_summary: 'Posledních 30 dní: {good} dobrých, {bad} špatných; skóre {score}.', rating: 'Hodnocení', rating_good: 'Dobré', rating_bad: 'Špatné', comment: 'Komentář', when: 'Kdy', sla_policies: 'Zásady SLA', sla_targets: 'Cíle', sla_first_response: 'první odpověď', sla_next_response: 'další odpověď', sla_resolution: 'vyřešení', business_time: 'Pracovní doba', calendar: 'Kalendář', calendars: 'Pracovní kalendáře', default_calendar: 'výchozí', time_zone: 'Časové pásmo', hours: 'Hodiny', holidays: 'Svátky', yes: 'ano', no: 'ne', team: 'Tým', departments: 'Oddělení', agents: 'Agenti', lead: 'Vedoucí', email: 'E-mail', role: 'Role', active: 'Aktivní',
  rule_edit: 'Upravit pravidlo „{name}“', rule_conditions: 'Podmínky (JSON)', rule_actions: 'Akce (JSON)', not_json: 'Neplatný JSON: {reason}', rule_moved: '{name} přesunuto.', move_up: 'Posunout {name} výš', move_down: 'Posunout {name} níž',
  dry_run: 'Vyzkoušet na tiketu', dry_run_go: 'Vyzkoušet', dry_run_fired: 'Pravidlo by se spustilo.', dry_run_skipped: 'Pravidlo by se nespustilo:', dry_run_nothing: 'Žádné pravidlo neběželo.', dry_run_changes: 'Změny', dry_run_effects: 'E-maily, poznámky a webhooky',
  delete_confirm: 'Smazat {name}?', create: 'Vytvořit', remove: 'Odebrat',
  invite_agent: 'Pozvat agenta', invite: 'Pozvat', invite_hint: 'Vytvoří přihlašovací účet v uživatelském fondu týmu; Cognito pošle dočasné heslo e-mailem.', invited: '{email} byl(a) pozván(a).', agent_edit: 'Upravit {name}', agent_saved: '{name} uloženo.', active_hint: 'Aktivní (může se přihlásit a brát tikety)', seniority: 'Seniorita', seniority_junior: 'junior', seniority_regular: 'standardní', seniority_senior: 'senior',
  department_new: 'Nové oddělení', department_edit: 'Upravit oddělení {name}', department_id: 'Id (a-z, 0-9, -; nelze změnit)', no_lead: 'bez vedoucího',
  templates: 'Šablony', templates_hint: 'Každý e-mail, který help desk posílá, v každém jazyce. Změněná šablona platí od dalšího e-mailu; dodaný text lze vrátit.', template_edit: 'Upravit {name} ({language})', template_text: 'Text', template_variables: 'Proměnné: contact_name, ticket_number, ticket_subject, agent_name, team_name, body, status_link (nepovinné ošetřete pomocí {% if %}).', customized: 'Změněno', shipped: 'dodaná', template_reset: 'Vrátit dodanou', template_reset_confirm: 'Nahradit {name} dodaným textem?', template_reset_done: 'Dodaný text je zpět.',
  sla_policy_new: 'Nová zásada SLA', sla_policy_edit: 'Upravit zásadu {name}', sla_targets_minutes: 'Cíle v minutách (prázdné: neměří se)', warning_at: 'Varovat při', warning_percent: 'procentech cíle', warning_minutes: 'minutách před ním', warning_value: 'Hodnota varování', business_time_hint: 'Počítat pracovní dobu podle kalendáře (jinak každou minutu)', pause_when_waiting: 'Pozastavit při čekání nebo pozastavení', sla_conditions: 'Platí pro (podmínky v JSON; {} pro všechny tikety)',
  calendar_new: 'Nový kalendář', calendar_edit: 'Upravit kalendář {name}', calendar_id: 'Id (nelze změnit)', hours_hint: 'Pro každý den, např. 09:00-12:00, 13:00-17:00; prázdné: nepracuje se.', bad_hours: 'Zapište hodiny jako 09:00-17:00, oddělené čárkami.', holiday_add: 'Přidat svátek', holiday_date: 'Svátek {n}: datum', holiday_name: 'Svátek {n}: název', yearly: 'každý rok', stale_calendar: 'Někdo jiný změnil tento kalendář, když jste ho měli otevřený. Nic se neuložilo; otevřete ho znovu.',
  day_mon: 'Pondělí', day_tue: 'Úterý', day_wed: 'Středa', day_thu: 'Čtvrtek', day_fri: 'Pátek', day_sat: 'Sobota', day_sun: 'Neděle',
};

const hu = {
  rules: 'Szabályok', position: 'Sorrend', name: 'Név', triggers: 'Indítók', enabled: 'Be', enabled_rule: '{name} bekapcsolva', rule_on: '{name} bekapcsolva.', rule_off: '{name} kikapcsolva.',
  bulk: 'A kijelöltekkel:', bulk_none: 'Előbb jelöljön ki jegyeket.', bulk_done: '{count} jegy módosítva.', set_status: 'Állapot beállítása', add_tag: 'Címke hozzáadása', select: 'Kijelölés', select_ticket: '{number} kijelölése',
  sign_in_unconfigured: 'A bejelentkezés még nincs bekapcsolva: telepítse újra úgy, hogy a ConsoleUrl paraméter ennek az oldalnak a címe (docs/console.md).',
  sign_in: 'Bejelentkezés', sign_out: 'Kijelentkezés', dev_sign_in_hint: 'Fejlesztői gép: válassza ki, kiként jelentkezik be.',
  role_agent: 'ügyintéző', role_manager: 'vezető', role_admin: 'adminisztrátor',
  search: 'Keresés', search_placeholder: 'Keresés: HD-1001, e-mail, név, szavak…', search_results: 'Találatok: „{q}”',
  no_results: 'Nincs találat.', loading: 'Betöltés…', language: 'Nyelv',
  queues: 'Sorok', queue_mine: 'Sajátjaim', queue_unassigned: 'Kiosztatlan: {department}', queue_pending: 'Várakozó',
  queue_at_risk: 'Veszélyben', queue_breached: 'Határidőn túl', queue_empty: 'Nincs itt semmi.',
  sort: 'Rendezés', sort_urgent: 'Legsürgősebb', sort_sla: 'Hátralévő SLA-idő', sort_oldest: 'Legrégebbi', sort_newest: 'Legújabb',
  any: 'bármely', status: 'Állapot', priority: 'Prioritás', channel: 'Csatorna', tag: 'Címke', tags: 'Címkék', cc: 'Másolat',
  number: 'Szám', subject: 'Tárgy', department: 'Részleg', sla: 'SLA', updated: 'Módosítva',
  assignee: 'Felelős', support_level: 'Szint', nobody: 'senki',
  status_new: 'Új', status_open: 'Nyitott', status_pending: 'Várakozik', 'status_on-hold': 'Felfüggesztve',
  status_resolved: 'Megoldva', status_closed: 'Lezárva', status_spam: 'Kéretlen',
  priority_low: 'Alacsony', priority_normal: 'Normál', priority_high: 'Magas', priority_urgent: 'Sürgős',
  sla_breached: 'lejárt', sla_warning: 'veszélyben', sla_due: 'határidő: {when}',
  properties: 'Tulajdonságok', save: 'Mentés', saved: 'Mentve.', nothing_changed: 'Nincs mit menteni.',
  assign_to_me: 'Magamhoz rendelem', resolve: 'Megoldva', reload: 'A jelenlegi jegy megjelenítése',
  conflict: 'Valaki más módosította ezt a jegyet, mióta megnyitotta. Semmi sem lett mentve. A változások:',
  timeline: 'Beszélgetés és előzmények', customer: 'Ügyfél', agent_reply: 'Válasz', internal_note: 'Belső jegyzet', system: 'Rendszer',
  reply: 'Válasz', message: 'Üzenet', canned_responses: 'Sablonválaszok', canned_pick: 'Sablonválasz beszúrása…',
  status_on_send: 'Állapot küldéskor', keep_status: 'marad', send_reply: 'Válasz küldése', add_note: 'Belső jegyzet hozzáadása',
  message_empty: 'Előbb írjon üzenetet.', reply_sent: 'Válasz elküldve.', note_added: 'Jegyzet hozzáadva.',
  requester_tickets: 'Az ügyfél további jegyei',
  assign: 'Hozzárendelés',
  mail_frame: 'Levél tőle: {from}', images_blocked: 'A távoli képek nem jelennek meg.', show_images: 'Képek megjelenítése ({count})', attachments: 'Mellékletek', quarantined: 'a víruskereső megjelölte',
  attach_files: 'Fájlok csatolása', upload_failed: '{name} feltöltése nem sikerült.',
  custom_fields: 'Egyéni mezők', field_name: 'Új mező neve', field_value: 'Érték', custom_fields_hint: 'Az érték törlésével a mező is törlődik.', field_name_rule: 'A mezőnév 1–40 karakter (a-z, 0-9, _), betűvel kezdődik.', merge: 'Összevonás', merge_into: 'A jegy összevonása ezzel', merge_target_missing: 'Adja meg, melyik jeggyel vonja össze.', merge_different_requesters: 'Igen, két különböző igénylő jegyeit vonom össze', merge_confirm: 'A jegyek igénylője eltér: jelölje be a négyzetet az összevonáshoz.', merged: '{number} összevonva ezzel: {into}.',
  pages: 'Oldalak', personal: 'Csak én', shared_with: 'Megosztva', canned_new: 'Új sablonválasz', canned_edit: '„{title}” szerkesztése', title: 'Cím', placeholders_hint: 'Helyőrzők: {{requester.name}}, {{ticket.number}}, {{agent.name}}.', cancel: 'Mégse', edit: 'Szerkesztés', delete: 'Törlés', deleted: 'Törölve.', canned_delete_confirm: 'Törli: „{title}”?', actions: 'Műveletek', none_yet: 'Még nincs.', metrics: 'Mutatók', group_by: 'Csoportosítás', group_all: 'összes', group_department: 'osztály', group_channel: 'csatorna', group_priority: 'prioritás', group_agent: 'ügyintéző', period: '{from} – {to}', group: 'Csoport', m_created: 'Létrehozva', m_solved: 'Megoldva', m_backlog: 'Hátralék', m_replies: 'Válaszok', m_first_response: 'Első válasz (medián)', m_resolution: 'Megoldás (medián)', m_fcr: 'Első kapcsolatra megoldva', m_sla_resolution: 'Megoldási SLA teljesítve', m_csat: 'CSAT', m_reopen: 'Újranyitva', satisfaction: 'Elégedettség', satisfaction_summary: 'Az elmúlt 30 nap: {good} jó, {bad} rossz; pontszám {score}.', rating: 'Értékelés', rating_good: 'Jó', rating_bad: 'Rossz', comment: 'Megjegyzés', when: 'Mikor', sla_policies: 'SLA-szabályok', sla_targets: 'Célok', sla_first_response: 'első válasz', sla_next_response: 'következő válasz', sla_resolution: 'megoldás', business_time: 'Munkaidő', calendar: 'Naptár', calendars: 'Munkanaptárak', default_calendar: 'alapértelmezett', time_zone: 'Időzóna', hours: 'Órák', holidays: 'Ünnepek', yes: 'igen', no: 'nem', team: 'Csapat', departments: 'Osztályok', agents: 'Ügyintézők', lead: 'Vezető', email: 'E-mail', role: 'Szerep', active: 'Aktív',
  rule_edit: '„{name}” szabály szerkesztése', rule_conditions: 'Feltételek (JSON)', rule_actions: 'Műveletek (JSON)', not_json: 'Érvénytelen JSON: {reason}', rule_moved: '{name} áthelyezve.', move_up: '{name} feljebb', move_down: '{name} lejjebb',
  dry_run: 'Kipróbálás egy jegyen', dry_run_go: 'Kipróbálás', dry_run_fired: 'A szabály lefutna.', dry_run_skipped: 'A szabály nem futna le:', dry_run_nothing: 'Egy szabály sem futott.', dry_run_changes: 'Változások', dry_run_effects: 'Levelek, jegyzetek és webhookok',
  delete_confirm: 'Törli: {name}?', create: 'Létrehozás', remove: 'Eltávolítás',
  invite_agent: 'Ügyintéző meghívása', invite: 'Meghívás', invite_hint: 'Bejelentkezési fiókot hoz létre a csapat felhasználókészletében; a Cognito e-mailben küld ideiglenes jelszót.', invited: '{email} meghívva.', agent_edit: '{name} szerkesztése', agent_saved: '{name} mentve.', active_hint: 'Aktív (bejelentkezhet és jegyeket kaphat)', seniority: 'Tapasztalat', seniority_junior: 'kezdő', seniority_regular: 'átlagos', seniority_senior: 'tapasztalt',
  department_new: 'Új részleg', department_edit: '{name} részleg szerkesztése', department_id: 'Azonosító (a-z, 0-9, -; nem módosítható)', no_lead: 'nincs vezető',
  templates: 'Sablonok', templates_hint: 'Minden e-mail, amelyet az ügyfélszolgálat küld, nyelvenként. A módosított a következő e-mailtől érvényes; a gyári szöveg visszaállítható.', template_edit: '{name} ({language}) szerkesztése', template_text: 'Szöveg', template_variables: 'Változók: contact_name, ticket_number, ticket_subject, agent_name, team_name, body, status_link (a nem kötelezőket {% if %} védje).', customized: 'Módosítva', shipped: 'gyári', template_reset: 'Gyári visszaállítása', template_reset_confirm: 'Lecseréli {name} szövegét a gyárira?', template_reset_done: 'A gyári szöveg visszaállt.',
  sla_policy_new: 'Új SLA-szabályzat', sla_policy_edit: '{name} szabályzat szerkesztése', sla_targets_minutes: 'Célok percben (üres: nem mérjük)', warning_at: 'Figyelmeztetés', warning_percent: 'a cél százalékánál', warning_minutes: 'perccel előtte', warning_value: 'Figyelmeztetés értéke', business_time_hint: 'Munkaidő számítása a naptár szerint (különben minden perc)', pause_when_waiting: 'Szünetel, amíg várakozik vagy felfüggesztett', sla_conditions: 'Érvényes (JSON-feltételek; {} minden jegyre)',
  calendar_new: 'Új naptár', calendar_edit: '{name} naptár szerkesztése', calendar_id: 'Azonosító (nem módosítható)', hours_hint: 'Naponta, pl. 09:00-12:00, 13:00-17:00; üres: nem munkanap.', bad_hours: 'Az órákat így írja: 09:00-17:00, vesszővel elválasztva.', holiday_add: 'Ünnepnap hozzáadása', holiday_date: '{n}. ünnepnap: dátum', holiday_name: '{n}. ünnepnap: név', yearly: 'minden évben', stale_calendar: 'Valaki más módosította ezt a naptárat, miután megnyitotta. Semmi sem mentődött; nyissa meg újra.',
  day_mon: 'hétfő', day_tue: 'kedd', day_wed: 'szerda', day_thu: 'csütörtök', day_fri: 'péntek', day_sat: 'szombat', day_sun: 'vasárnap',
};

const ms = {
  rules: 'Peraturan', position: 'Susunan', name: 'Nama', triggers: 'Pencetus', enabled: 'Hidup', enabled_rule: '{name} dihidupkan', rule_on: '{name} dihidupkan.', rule_off: '{name} dimatikan.',
  bulk: 'Yang ditanda:', bulk_none: 'Tandakan tiket dahulu.', bulk_done: '{count} tiket diubah.', set_status: 'Tetapkan status', add_tag: 'Tambah tag', select: 'Pilih', select_ticket: 'Pilih {number}',
  sign_in_unconfigured: 'Log masuk belum dihidupkan: lancarkan semula dengan parameter ConsoleUrl ditetapkan kepada alamat halaman ini (docs/console.md).',
  sign_in: 'Log masuk', sign_out: 'Log keluar', dev_sign_in_hint: 'Hos pembangunan: pilih orang untuk log masuk.',
  role_agent: 'ejen', role_manager: 'pengurus', role_admin: 'pentadbir',
  search: 'Cari', search_placeholder: 'Cari: HD-1001, e-mel, nama, perkataan…', search_results: 'Hasil untuk “{q}”',
  no_results: 'Tiada tiket ditemui.', loading: 'Memuatkan…', language: 'Bahasa',
  queues: 'Baris gilir', queue_mine: 'Milik saya', queue_unassigned: 'Belum ditugaskan di {department}', queue_pending: 'Menunggu',
  queue_at_risk: 'Berisiko', queue_breached: 'Dilanggar', queue_empty: 'Tiada apa-apa di sini.',
  sort: 'Susun', sort_urgent: 'Paling segera', sort_sla: 'Baki masa SLA', sort_oldest: 'Paling lama', sort_newest: 'Paling baru',
  any: 'semua', status: 'Status', priority: 'Keutamaan', channel: 'Saluran', tag: 'Tag', tags: 'Tag', cc: 'SK',
  number: 'Nombor', subject: 'Subjek', department: 'Jabatan', sla: 'SLA', updated: 'Dikemas kini',
  assignee: 'Ditugaskan kepada', support_level: 'Tahap', nobody: 'tiada',
  status_new: 'Baru', status_open: 'Dibuka', status_pending: 'Menunggu', 'status_on-hold': 'Ditangguhkan',
  status_resolved: 'Diselesaikan', status_closed: 'Ditutup', status_spam: 'Spam',
  priority_low: 'Rendah', priority_normal: 'Biasa', priority_high: 'Tinggi', priority_urgent: 'Segera',
  sla_breached: 'dilanggar', sla_warning: 'berisiko', sla_due: 'tamat {when}',
  properties: 'Butiran', save: 'Simpan', saved: 'Disimpan.', nothing_changed: 'Tiada apa untuk disimpan.',
  assign_to_me: 'Tugaskan kepada saya', resolve: 'Selesaikan', reload: 'Tunjukkan tiket semasa',
  conflict: 'Orang lain telah mengubah tiket ini selepas anda membukanya. Tiada apa disimpan. Perubahan:',
  timeline: 'Perbualan dan sejarah', customer: 'Pelanggan', agent_reply: 'Balasan', internal_note: 'Nota dalaman', system: 'Sistem',
  reply: 'Balas', message: 'Mesej', canned_responses: 'Jawapan sedia', canned_pick: 'Masukkan jawapan sedia…',
  status_on_send: 'Status semasa hantar', keep_status: 'kekalkan', send_reply: 'Hantar balasan', add_note: 'Tambah nota dalaman',
  message_empty: 'Tulis mesej dahulu.', reply_sent: 'Balasan dihantar.', note_added: 'Nota ditambah.',
  requester_tickets: 'Tiket lain peminta',
  assign: 'Tugaskan',
  mail_frame: 'Mel daripada {from}', images_blocked: 'Imej jauh tidak dipaparkan.', show_images: 'Tunjukkan imej ({count})', attachments: 'Lampiran', quarantined: 'ditanda oleh imbasan virus',
  attach_files: 'Lampirkan fail', upload_failed: '{name} tidak dapat dimuat naik.',
  custom_fields: 'Medan tersuai', field_name: 'Nama medan baharu', field_value: 'Nilai', custom_fields_hint: 'Kosongkan nilai untuk membuang medannya.', field_name_rule: 'Nama medan ialah 1 hingga 40 a-z, 0-9 dan _, bermula dengan huruf.', merge: 'Gabung', merge_into: 'Gabungkan tiket ini ke dalam', merge_target_missing: 'Nyatakan tiket yang hendak digabungkan.', merge_different_requesters: 'Ya, gabungkan tiket dua peminta berbeza', merge_confirm: 'Tiket mempunyai peminta berbeza: tandakan kotak untuk menggabungkannya juga.', merged: '{number} telah digabungkan ke dalam {into}.',
  pages: 'Halaman', personal: 'Saya sahaja', shared_with: 'Dikongsi dengan', canned_new: 'Jawapan sedia baharu', canned_edit: 'Sunting “{title}”', title: 'Tajuk', placeholders_hint: 'Pemegang tempat: {{requester.name}}, {{ticket.number}}, {{agent.name}}.', cancel: 'Batal', edit: 'Sunting', delete: 'Padam', deleted: 'Dipadam.', canned_delete_confirm: 'Padam “{title}”?', actions: 'Tindakan', none_yet: 'Belum ada.', metrics: 'Metrik', group_by: 'Kumpul mengikut', group_all: 'semua', group_department: 'jabatan', group_channel: 'saluran', group_priority: 'keutamaan', group_agent: 'ejen', period: '{from} hingga {to}', group: 'Kumpulan', m_created: 'Dicipta', m_solved: 'Diselesaikan', m_backlog: 'Tertunggak', m_replies: 'Balasan', m_first_response: 'Respons pertama (median)', m_resolution: 'Penyelesaian (median)', m_fcr: 'Selesai pada hubungan pertama', m_sla_resolution: 'SLA penyelesaian dipenuhi', m_csat: 'CSAT', m_reopen: 'Dibuka semula', satisfaction: 'Kepuasan', satisfaction_summary: '30 hari lalu: {good} baik, {bad} buruk; skor {score}.', rating: 'Penilaian', rating_good: 'Baik', rating_bad: 'Buruk', comment: 'Komen', when: 'Bila', sla_policies: 'Polisi SLA', sla_targets: 'Sasaran', sla_first_response: 'respons pertama', sla_next_response: 'respons seterusnya', sla_resolution: 'penyelesaian', business_time: 'Waktu kerja', calendar: 'Kalendar', calendars: 'Kalendar kerja', default_calendar: 'lalai meja', time_zone: 'Zon waktu', hours: 'Jam', holidays: 'Cuti', yes: 'ya', no: 'tidak', team: 'Pasukan', departments: 'Jabatan', agents: 'Ejen', lead: 'Ketua', email: 'E-mel', role: 'Peranan', active: 'Aktif',
  rule_edit: 'Sunting peraturan “{name}”', rule_conditions: 'Syarat (JSON)', rule_actions: 'Tindakan (JSON)', not_json: 'JSON tidak sah: {reason}', rule_moved: '{name} dialihkan.', move_up: 'Alih {name} ke atas', move_down: 'Alih {name} ke bawah',
  dry_run: 'Cuba pada tiket', dry_run_go: 'Cuba', dry_run_fired: 'Peraturan akan berjalan.', dry_run_skipped: 'Peraturan tidak akan berjalan:', dry_run_nothing: 'Tiada peraturan berjalan.', dry_run_changes: 'Perubahan', dry_run_effects: 'Mel, nota dan webhook',
  delete_confirm: 'Padam {name}?', create: 'Cipta', remove: 'Buang',
  invite_agent: 'Jemput ejen', invite: 'Jemput', invite_hint: 'Mencipta akaun log masuk dalam kumpulan pengguna pasukan; Cognito menghantar kata laluan sementara melalui e-mel.', invited: '{email} telah dijemput.', agent_edit: 'Sunting {name}', agent_saved: '{name} disimpan.', active_hint: 'Aktif (boleh log masuk dan menerima tiket)', seniority: 'Kekananan', seniority_junior: 'junior', seniority_regular: 'biasa', seniority_senior: 'kanan',
  department_new: 'Jabatan baharu', department_edit: 'Sunting jabatan {name}', department_id: 'Id (a-z, 0-9, -; tidak boleh diubah)', no_lead: 'tiada ketua',
  templates: 'Templat', templates_hint: 'Setiap e-mel yang dihantar oleh meja bantuan, mengikut bahasa. Templat yang diubah digunakan mulai e-mel seterusnya; teks asal boleh dikembalikan.', template_edit: 'Sunting {name} ({language})', template_text: 'Teks', template_variables: 'Pemboleh ubah: contact_name, ticket_number, ticket_subject, agent_name, team_name, body, status_link (lindungi yang pilihan dengan {% if %}).', customized: 'Diubah', shipped: 'asal', template_reset: 'Kembali kepada asal', template_reset_confirm: 'Gantikan {name} dengan teks asal?', template_reset_done: 'Teks asal telah dikembalikan.',
  sla_policy_new: 'Dasar SLA baharu', sla_policy_edit: 'Sunting dasar {name}', sla_targets_minutes: 'Sasaran dalam minit (kosong: tidak diukur)', warning_at: 'Beri amaran pada', warning_percent: 'peratus sasaran', warning_minutes: 'minit sebelumnya', warning_value: 'Nilai amaran', business_time_hint: 'Kira masa perniagaan mengikut kalendar (jika tidak, setiap minit)', pause_when_waiting: 'Jeda semasa menunggu atau ditangguhkan', sla_conditions: 'Terpakai kepada (syarat JSON; {} untuk setiap tiket)',
  calendar_new: 'Kalendar baharu', calendar_edit: 'Sunting kalendar {name}', calendar_id: 'Id (tidak boleh diubah)', hours_hint: 'Setiap hari, cth. 09:00-12:00, 13:00-17:00; kosong: tidak bekerja.', bad_hours: 'Tulis waktu sebagai 09:00-17:00, dipisahkan dengan koma.', holiday_add: 'Tambah cuti', holiday_date: 'Cuti {n}: tarikh', holiday_name: 'Cuti {n}: nama', yearly: 'setiap tahun', stale_calendar: 'Orang lain telah mengubah kalendar ini selepas anda membukanya. Tiada apa yang disimpan; buka semula.',
  day_mon: 'Isnin', day_tue: 'Selasa', day_wed: 'Rabu', day_thu: 'Khamis', day_fri: 'Jumaat', day_sat: 'Sabtu', day_sun: 'Ahad',
};

const WORDS = { en, cs, hu, ms };
const KEY = 'lambdesk.language';

export function language() {
  const chosen = localStorage.getItem(KEY);
  if (chosen && WORDS[chosen]) return chosen;
  const browser = (navigator.languages || [navigator.language]).map((l) => l.slice(0, 2)).find((l) => WORDS[l]);
  return browser || 'en';
}

export function setLanguage(code) {
  if (WORDS[code]) localStorage.setItem(KEY, code);
}

export function locale() {
  return { en: 'en-GB', cs: 'cs-CZ', hu: 'hu-HU', ms: 'ms-MY' }[language()];
}

/// The words for `key`, with `{name}` filled from `values`; English when a language lacks it.
export function t(key, values = {}) {
  const text = WORDS[language()][key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => values[name] ?? '');
}

export const dictionaries = WORDS;
