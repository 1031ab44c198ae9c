//! The words of the public pages in each shipped language. `{max}`, `{email}` and `{minutes}`
//! are filled in where they appear.

use shared::domain::Status;
use shared::domain::contact_form::Problem;

pub struct Copy {
    pub lang: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub name: &'static str,
    pub email: &'static str,
    pub phone: &'static str,
    pub optional: &'static str,
    pub category: &'static str,
    pub choose: &'static str,
    pub subject: &'static str,
    pub message: &'static str,
    pub attachments: &'static str,
    pub attachments_hint: &'static str,
    pub submit: &'static str,
    pub errors_title: &'static str,
    pub required: &'static str,
    pub too_long: &'static str,
    pub not_email: &'static str,
    pub not_phone: &'static str,
    pub unknown_category: &'static str,
    pub too_many_files: &'static str,
    pub bad_file: &'static str,
    pub already_sent: &'static str,
    pub thanks_title: &'static str,
    pub thanks_number: &'static str,
    pub thanks_mail: &'static str,
    pub rate_limited: &'static str,
    pub refused: &'static str,
    pub too_large: &'static str,
    pub unavailable: &'static str,
    /// (general, billing, technical): the shipped categories' names.
    pub categories: [&'static str; 3],
    pub portal_title: &'static str,
    pub status: &'static str,
    /// (working on it, waiting for you, on hold, resolved, closed)
    pub statuses: [&'static str; 5],
    pub you: &'static str,
    pub us: &'static str,
    pub reply: &'static str,
    pub reply_submit: &'static str,
    pub close_hint: &'static str,
    pub close_submit: &'static str,
    pub closed_notice: &'static str,
    pub link_invalid: &'static str,
}

const EN: Copy = Copy {
    lang: "en",
    title: "Contact us",
    intro: "Tell us what you need and we will answer by email.",
    name: "Your name",
    email: "Email",
    phone: "Phone",
    optional: "optional",
    category: "Topic",
    choose: "Choose a topic",
    subject: "Subject",
    message: "Message",
    attachments: "Attachments",
    attachments_hint: "Up to 5 files, 10 MB each.",
    submit: "Send",
    errors_title: "Please correct the following:",
    required: "Please fill this in.",
    too_long: "Please keep this to {max} characters.",
    not_email: "Please enter an email address like name@example.com.",
    not_phone: "Please enter a phone number (digits, spaces and + - ( ) only).",
    unknown_category: "Please choose one of the topics.",
    too_many_files: "Please attach at most {max} files.",
    bad_file: "One of the files is missing, too large or of a type we cannot accept.",
    already_sent: "This form was already sent. Reload the page to send another request.",
    thanks_title: "Thank you, we have your message",
    thanks_number: "Your ticket number is",
    thanks_mail: "We have sent a confirmation to {email}, with a link where you can follow your ticket.",
    rate_limited: "You have sent several messages in a short time. Please try again in {minutes} minutes.",
    refused: "We could not accept this message. Please reload the page and try again.",
    too_large: "The message with its files is too large. Please send smaller files.",
    unavailable: "We are busy right now. Please try again in a moment.",
    categories: ["General question", "Billing", "Technical problem"],
    portal_title: "Your ticket",
    status: "Status",
    statuses: [
        "We are working on it",
        "Waiting for your reply",
        "On hold",
        "Resolved",
        "Closed",
    ],
    you: "You",
    us: "Support",
    reply: "Add a reply",
    reply_submit: "Send reply",
    close_hint: "Need nothing more? You can close the ticket.",
    close_submit: "Close ticket",
    closed_notice: "This ticket is closed. To ask something new, send us a new message.",
    link_invalid: "This link is not valid or has expired. Please use the link in our latest email, or contact us again.",
};

const CS: Copy = Copy {
    lang: "cs",
    title: "Napište nám",
    intro: "Napište nám, s čím potřebujete pomoci, a odpovíme e-mailem.",
    name: "Vaše jméno",
    email: "E-mail",
    phone: "Telefon",
    optional: "nepovinné",
    category: "Téma",
    choose: "Vyberte téma",
    subject: "Předmět",
    message: "Zpráva",
    attachments: "Přílohy",
    attachments_hint: "Nejvýše 5 souborů, každý do 10 MB.",
    submit: "Odeslat",
    errors_title: "Opravte prosím následující:",
    required: "Vyplňte prosím toto pole.",
    too_long: "Nejvýše {max} znaků.",
    not_email: "Zadejte e-mailovou adresu, např. jmeno@example.cz.",
    not_phone: "Zadejte telefonní číslo (jen číslice, mezery a + - ( ) ).",
    unknown_category: "Vyberte prosím jedno z témat.",
    too_many_files: "Přiložte nejvýše {max} souborů.",
    bad_file: "Některý soubor chybí, je příliš velký nebo jeho typ nemůžeme přijmout.",
    already_sent: "Tento formulář už byl odeslán. Chcete-li poslat další požadavek, načtěte stránku znovu.",
    thanks_title: "Děkujeme, vaši zprávu jsme přijali",
    thanks_number: "Číslo vašeho požadavku je",
    thanks_mail: "Na adresu {email} jsme poslali potvrzení s odkazem, kde můžete požadavek sledovat.",
    rate_limited: "Během krátké doby jste poslali několik zpráv. Zkuste to prosím znovu za {minutes} min.",
    refused: "Tuto zprávu jsme nemohli přijmout. Načtěte prosím stránku znovu a zkuste to ještě jednou.",
    too_large: "Zpráva i se soubory je příliš velká. Pošlete prosím menší soubory.",
    unavailable: "Momentálně máme hodně práce. Zkuste to prosím za chvíli.",
    categories: ["Obecný dotaz", "Fakturace", "Technický problém"],
    portal_title: "Váš požadavek",
    status: "Stav",
    statuses: [
        "Pracujeme na tom",
        "Čekáme na vaši odpověď",
        "Pozastaveno",
        "Vyřešeno",
        "Uzavřeno",
    ],
    you: "Vy",
    us: "Podpora",
    reply: "Přidat odpověď",
    reply_submit: "Odeslat odpověď",
    close_hint: "Už nic nepotřebujete? Požadavek můžete uzavřít.",
    close_submit: "Uzavřít požadavek",
    closed_notice: "Tento požadavek je uzavřený. S novým dotazem nám pošlete novou zprávu.",
    link_invalid: "Tento odkaz není platný nebo vypršel. Použijte odkaz z našeho posledního e-mailu, nebo nás kontaktujte znovu.",
};

const HU: Copy = Copy {
    lang: "hu",
    title: "Kapcsolat",
    intro: "Írja meg, miben segíthetünk, és e-mailben válaszolunk.",
    name: "Az Ön neve",
    email: "E-mail",
    phone: "Telefon",
    optional: "nem kötelező",
    category: "Téma",
    choose: "Válasszon témát",
    subject: "Tárgy",
    message: "Üzenet",
    attachments: "Mellékletek",
    attachments_hint: "Legfeljebb 5 fájl, egyenként 10 MB.",
    submit: "Küldés",
    errors_title: "Kérjük, javítsa a következőket:",
    required: "Kérjük, töltse ki ezt a mezőt.",
    too_long: "Legfeljebb {max} karakter.",
    not_email: "Kérjük, adjon meg egy e-mail-címet, pl. nev@example.hu.",
    not_phone: "Kérjük, adjon meg egy telefonszámot (csak számjegyek, szóköz és + - ( ) ).",
    unknown_category: "Kérjük, válasszon a témák közül.",
    too_many_files: "Legfeljebb {max} fájlt csatolhat.",
    bad_file: "Az egyik fájl hiányzik, túl nagy, vagy a típusát nem tudjuk fogadni.",
    already_sent: "Ezt az űrlapot már elküldték. Új kérés küldéséhez töltse be újra az oldalt.",
    thanks_title: "Köszönjük, megkaptuk üzenetét",
    thanks_number: "Az Ön jegyének száma",
    thanks_mail: "Visszaigazolást küldtünk a(z) {email} címre egy hivatkozással, ahol követheti a jegyét.",
    rate_limited: "Rövid idő alatt több üzenetet küldött. Kérjük, próbálja újra {minutes} perc múlva.",
    refused: "Ezt az üzenetet nem tudtuk fogadni. Kérjük, töltse be újra az oldalt, és próbálja újra.",
    too_large: "Az üzenet a fájlokkal együtt túl nagy. Kérjük, küldjön kisebb fájlokat.",
    unavailable: "Jelenleg túlterheltek vagyunk. Kérjük, próbálja újra egy kicsit később.",
    categories: ["Általános kérdés", "Számlázás", "Műszaki probléma"],
    portal_title: "Az Ön jegye",
    status: "Állapot",
    statuses: [
        "Dolgozunk rajta",
        "Az Ön válaszára várunk",
        "Felfüggesztve",
        "Megoldva",
        "Lezárva",
    ],
    you: "Ön",
    us: "Ügyfélszolgálat",
    reply: "Válasz hozzáadása",
    reply_submit: "Válasz küldése",
    close_hint: "Nincs szüksége további segítségre? Lezárhatja a jegyet.",
    close_submit: "Jegy lezárása",
    closed_notice: "Ez a jegy le van zárva. Új kérdéssel kérjük, küldjön új üzenetet.",
    link_invalid: "Ez a hivatkozás érvénytelen vagy lejárt. Használja legutóbbi e-mailünk hivatkozását, vagy vegye fel velünk újra a kapcsolatot.",
};

const MS: Copy = Copy {
    lang: "ms",
    title: "Hubungi kami",
    intro: "Beritahu kami apa yang anda perlukan dan kami akan membalas melalui e-mel.",
    name: "Nama anda",
    email: "E-mel",
    phone: "Telefon",
    optional: "pilihan",
    category: "Topik",
    choose: "Pilih topik",
    subject: "Subjek",
    message: "Mesej",
    attachments: "Lampiran",
    attachments_hint: "Sehingga 5 fail, 10 MB setiap satu.",
    submit: "Hantar",
    errors_title: "Sila betulkan perkara berikut:",
    required: "Sila isi ruangan ini.",
    too_long: "Maksimum {max} aksara.",
    not_email: "Sila masukkan alamat e-mel seperti nama@example.com.",
    not_phone: "Sila masukkan nombor telefon (digit, ruang dan + - ( ) sahaja).",
    unknown_category: "Sila pilih salah satu topik.",
    too_many_files: "Sila lampirkan maksimum {max} fail.",
    bad_file: "Salah satu fail tiada, terlalu besar atau jenisnya tidak dapat kami terima.",
    already_sent: "Borang ini telah dihantar. Muat semula halaman untuk menghantar permintaan lain.",
    thanks_title: "Terima kasih, kami telah menerima mesej anda",
    thanks_number: "Nombor tiket anda ialah",
    thanks_mail: "Kami telah menghantar pengesahan ke {email} dengan pautan untuk mengikuti tiket anda.",
    rate_limited: "Anda telah menghantar beberapa mesej dalam masa yang singkat. Sila cuba lagi dalam {minutes} minit.",
    refused: "Kami tidak dapat menerima mesej ini. Sila muat semula halaman dan cuba lagi.",
    too_large: "Mesej bersama failnya terlalu besar. Sila hantar fail yang lebih kecil.",
    unavailable: "Kami sibuk sekarang. Sila cuba lagi sebentar lagi.",
    categories: ["Soalan umum", "Bil", "Masalah teknikal"],
    portal_title: "Tiket anda",
    status: "Status",
    statuses: [
        "Kami sedang menanganinya",
        "Menunggu balasan anda",
        "Ditangguhkan",
        "Selesai",
        "Ditutup",
    ],
    you: "Anda",
    us: "Sokongan",
    reply: "Tambah balasan",
    reply_submit: "Hantar balasan",
    close_hint: "Tidak memerlukan apa-apa lagi? Anda boleh menutup tiket ini.",
    close_submit: "Tutup tiket",
    closed_notice: "Tiket ini telah ditutup. Untuk bertanya perkara baharu, hantar mesej baharu kepada kami.",
    link_invalid: "Pautan ini tidak sah atau telah tamat tempoh. Sila gunakan pautan dalam e-mel terkini kami, atau hubungi kami semula.",
};

/// The words for a shipped language (English for anything else).
pub fn copy(lang: &str) -> &'static Copy {
    match lang {
        "cs" => &CS,
        "hu" => &HU,
        "ms" => &MS,
        _ => &EN,
    }
}

impl Copy {
    pub fn problem(&self, problem: Problem) -> String {
        match problem {
            Problem::Required => self.required.into(),
            Problem::TooLong { max } => self.too_long.replace("{max}", &max.to_string()),
            Problem::NotAnEmail => self.not_email.into(),
            Problem::NotAPhone => self.not_phone.into(),
            Problem::UnknownCategory => self.unknown_category.into(),
            Problem::TooManyFiles { max } => self.too_many_files.replace("{max}", &max.to_string()),
            Problem::BadFile => self.bad_file.into(),
            Problem::AlreadySent => self.already_sent.into(),
        }
    }

    /// A category's name: the shipped ones translated, others from their id.
    pub fn category_name(&self, id: &str) -> String {
        match id {
            "general" => self.categories[0].into(),
            "billing" => self.categories[1].into(),
            "technical" => self.categories[2].into(),
            other => {
                let words = other.replace('-', " ");
                let mut chars = words.chars();
                chars
                    .next()
                    .map(|first| first.to_uppercase().chain(chars).collect())
                    .unwrap_or_default()
            }
        }
    }

    pub fn status_name(&self, status: Status) -> &'static str {
        match status {
            Status::New | Status::Open => self.statuses[0],
            Status::Pending => self.statuses[1],
            Status::OnHold => self.statuses[2],
            Status::Resolved => self.statuses[3],
            Status::Closed | Status::Spam => self.statuses[4],
        }
    }

    pub fn field_label(&self, field: &str) -> &'static str {
        match field {
            "name" => self.name,
            "email" => self.email,
            "phone" => self.phone,
            "category" => self.category,
            "subject" => self.subject,
            "message" => self.message,
            "attachments" => self.attachments,
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_words_every_problem_and_category() {
        for lang in ["en", "cs", "hu", "ms"] {
            let c = copy(lang);
            assert_eq!(c.lang, lang);
            assert!(c.problem(Problem::TooLong { max: 200 }).contains("200"), "{lang}");
            assert!(c.problem(Problem::TooManyFiles { max: 5 }).contains('5'), "{lang}");
            assert!(
                c.thanks_mail.contains("{email}") && c.rate_limited.contains("{minutes}"),
                "{lang}"
            );
        }
        assert_eq!(copy("de").lang, "en");
        assert_eq!(copy("en").category_name("returns-eu"), "Returns eu");
        assert_eq!(copy("cs").category_name("billing"), "Fakturace");
    }
}
