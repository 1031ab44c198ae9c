//! The words of a report mail in each language a subscription may choose (en, cs, hu, ms).

use shared::domain::metrics::schedule::Frequency;

/// Every label a report mail shows.
#[derive(Debug)]
pub struct Words {
    pub daily: &'static str,
    pub weekly: &'static str,
    pub monthly: &'static str,
    pub intro: &'static str,
    pub figure: &'static str,
    pub this_period: &'static str,
    pub previous_period: &'static str,
    pub change: &'static str,
    pub created: &'static str,
    pub solved: &'static str,
    pub backlog: &'static str,
    pub reopened: &'static str,
    pub first_response_p50: &'static str,
    pub first_response_p90: &'static str,
    pub resolution_p50: &'static str,
    pub resolution_p90: &'static str,
    pub sla_first_response: &'static str,
    pub sla_resolution: &'static str,
    pub fcr: &'static str,
    pub csat: &'static str,
    pub replies_per_solved: &'static str,
    pub transfers: &'static str,
    pub chart_volume: &'static str,
    pub chart_times: &'static str,
    pub chart_sla: &'static str,
    pub chart_csat: &'static str,
    pub hours: &'static str,
    pub departments: &'static str,
    pub attached: &'static str,
    pub footer: &'static str,
}

const EN: Words = Words {
    daily: "Daily report",
    weekly: "Weekly report",
    monthly: "Monthly report",
    intro: "Your help desk's figures for",
    figure: "Figure",
    this_period: "This period",
    previous_period: "Previous period",
    change: "Change",
    created: "Tickets created",
    solved: "Tickets solved",
    backlog: "Open at the end",
    reopened: "Reopened",
    first_response_p50: "First response, median",
    first_response_p90: "First response, p90",
    resolution_p50: "Resolution, median",
    resolution_p90: "Resolution, p90",
    sla_first_response: "SLA met: first response",
    sla_resolution: "SLA met: resolution",
    fcr: "Solved at first contact",
    csat: "Satisfied customers (CSAT)",
    replies_per_solved: "Replies per solved ticket",
    transfers: "Transfers",
    chart_volume: "Created and solved by day",
    chart_times: "First response and resolution (hours)",
    chart_sla: "SLA compliance by day (%)",
    chart_csat: "Customer satisfaction by day (%)",
    hours: "h",
    departments: "Departments",
    attached: "The figures by day are attached as CSV.",
    footer: "You get this mail because a manager subscribed you to Lambdesk reports.",
};

const CS: Words = Words {
    daily: "Denní přehled",
    weekly: "Týdenní přehled",
    monthly: "Měsíční přehled",
    intro: "Čísla vaší podpory za období",
    figure: "Ukazatel",
    this_period: "Toto období",
    previous_period: "Předchozí období",
    change: "Změna",
    created: "Nové tikety",
    solved: "Vyřešené tikety",
    backlog: "Otevřené na konci",
    reopened: "Znovu otevřené",
    first_response_p50: "První odpověď, medián",
    first_response_p90: "První odpověď, p90",
    resolution_p50: "Vyřešení, medián",
    resolution_p90: "Vyřešení, p90",
    sla_first_response: "SLA splněno: první odpověď",
    sla_resolution: "SLA splněno: vyřešení",
    fcr: "Vyřešeno při prvním kontaktu",
    csat: "Spokojení zákazníci (CSAT)",
    replies_per_solved: "Odpovědí na vyřešený tiket",
    transfers: "Předání",
    chart_volume: "Nové a vyřešené po dnech",
    chart_times: "První odpověď a vyřešení (hodiny)",
    chart_sla: "Plnění SLA po dnech (%)",
    chart_csat: "Spokojenost zákazníků po dnech (%)",
    hours: "h",
    departments: "Oddělení",
    attached: "Čísla po dnech jsou v příloze jako CSV.",
    footer: "Tento e-mail dostáváte, protože vás manažer přihlásil k přehledům Lambdesk.",
};

const HU: Words = Words {
    daily: "Napi jelentés",
    weekly: "Heti jelentés",
    monthly: "Havi jelentés",
    intro: "Az ügyfélszolgálat számai erre az időszakra:",
    figure: "Mutató",
    this_period: "Ez az időszak",
    previous_period: "Előző időszak",
    change: "Változás",
    created: "Új jegyek",
    solved: "Megoldott jegyek",
    backlog: "Nyitott a végén",
    reopened: "Újranyitott",
    first_response_p50: "Első válasz, medián",
    first_response_p90: "Első válasz, p90",
    resolution_p50: "Megoldás, medián",
    resolution_p90: "Megoldás, p90",
    sla_first_response: "SLA teljesítve: első válasz",
    sla_resolution: "SLA teljesítve: megoldás",
    fcr: "Első kapcsolatra megoldva",
    csat: "Elégedett ügyfelek (CSAT)",
    replies_per_solved: "Válasz megoldott jegyenként",
    transfers: "Átadások",
    chart_volume: "Új és megoldott naponta",
    chart_times: "Első válasz és megoldás (óra)",
    chart_sla: "SLA teljesítés naponta (%)",
    chart_csat: "Ügyfél-elégedettség naponta (%)",
    hours: "ó",
    departments: "Osztályok",
    attached: "A napi számok CSV-ként csatolva.",
    footer: "Ezt a levelet azért kapja, mert egy vezető feliratkoztatta a Lambdesk jelentésekre.",
};

const MS: Words = Words {
    daily: "Laporan harian",
    weekly: "Laporan mingguan",
    monthly: "Laporan bulanan",
    intro: "Angka meja bantuan anda bagi",
    figure: "Angka",
    this_period: "Tempoh ini",
    previous_period: "Tempoh sebelumnya",
    change: "Perubahan",
    created: "Tiket dicipta",
    solved: "Tiket diselesaikan",
    backlog: "Terbuka pada akhir",
    reopened: "Dibuka semula",
    first_response_p50: "Respons pertama, median",
    first_response_p90: "Respons pertama, p90",
    resolution_p50: "Penyelesaian, median",
    resolution_p90: "Penyelesaian, p90",
    sla_first_response: "SLA dipenuhi: respons pertama",
    sla_resolution: "SLA dipenuhi: penyelesaian",
    fcr: "Selesai pada hubungan pertama",
    csat: "Pelanggan berpuas hati (CSAT)",
    replies_per_solved: "Balasan setiap tiket selesai",
    transfers: "Pemindahan",
    chart_volume: "Dicipta dan diselesaikan mengikut hari",
    chart_times: "Respons pertama dan penyelesaian (jam)",
    chart_sla: "Pematuhan SLA mengikut hari (%)",
    chart_csat: "Kepuasan pelanggan mengikut hari (%)",
    hours: "j",
    departments: "Jabatan",
    attached: "Angka mengikut hari dilampirkan sebagai CSV.",
    footer: "Anda menerima e-mel ini kerana seorang pengurus melanggankan anda kepada laporan Lambdesk.",
};

/// The words for `language` (English for any other).
pub fn copy(language: &str) -> &'static Words {
    match language {
        "cs" => &CS,
        "hu" => &HU,
        "ms" => &MS,
        _ => &EN,
    }
}

impl Words {
    pub fn title(&self, frequency: Frequency) -> &'static str {
        match frequency {
            Frequency::Daily => self.daily,
            Frequency::Weekly => self.weekly,
            Frequency::Monthly => self.monthly,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_report_language_has_its_own_words() {
        use shared::domain::metrics::schedule::REPORT_LANGUAGES;
        let titles: std::collections::BTreeSet<&str> = REPORT_LANGUAGES
            .iter()
            .map(|l| copy(l).title(Frequency::Weekly))
            .collect();
        assert_eq!(titles.len(), REPORT_LANGUAGES.len());
        assert_eq!(copy("de").weekly, EN.weekly);
    }
}
