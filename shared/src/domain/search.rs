//! Search without a search engine: the words a ticket is found by, normalised the same way when
//! indexed and when asked for (lower case, diacritics folded: "Pokladna", "pokladna" and
//! "pokládna" are one word), and what a query asks for (a ticket number, a requester's email,
//! or words of the subject or the requester's name). The index itself is a set of keys in the
//! table (docs/console.md); this module only decides the words.

use std::collections::BTreeSet;

use super::contact::EmailAddress;
use super::ids::TicketNumber;

/// At most this many words of one text are indexed (a subject longer than that is still found
/// by its first words); it bounds the extra items a ticket write carries.
pub const MAX_WORDS: usize = 16;
/// At most this many words of a query are used.
pub const MAX_QUERY_WORDS: usize = 4;
/// Shorter words are too common to be worth a key.
const MIN_WORD_CHARS: usize = 2;
/// Longer "words" are codes or noise; cut, so a key stays small.
const MAX_WORD_CHARS: usize = 40;

/// `c` without its diacritics, for the letters of the desk's languages (Czech, Hungarian,
/// Malay, and the rest of Latin-1 and Latin Extended-A); other characters unchanged.
fn fold(c: char) -> char {
    const GROUPS: &[(&str, char)] = &[
        ("àáâãäåāăą", 'a'),
        ("çćĉċč", 'c'),
        ("ďđ", 'd'),
        ("èéêëēĕėęě", 'e'),
        ("ĝğġģ", 'g'),
        ("ĥħ", 'h'),
        ("ìíîïĩīĭįı", 'i'),
        ("ĵ", 'j'),
        ("ķ", 'k'),
        ("ĺļľŀł", 'l'),
        ("ñńņň", 'n'),
        ("òóôõöøōŏő", 'o'),
        ("ŕŗř", 'r'),
        ("śŝşš", 's'),
        ("ţťŧ", 't'),
        ("ùúûüũūŭůűų", 'u'),
        ("ŵ", 'w'),
        ("ýÿŷ", 'y'),
        ("źżž", 'z'),
    ];
    GROUPS
        .iter()
        .find(|(from, _)| from.contains(c))
        .map_or(c, |&(_, to)| to)
}

/// One word as the index keeps it.
pub fn normalise(word: &str) -> String {
    let folded: String = word.chars().flat_map(char::to_lowercase).map(fold).collect();
    folded.replace('ß', "ss").chars().take(MAX_WORD_CHARS).collect()
}

/// The distinct words of `text` worth indexing, in the order they first appear, at most `limit`.
pub fn words_limited(text: &str, limit: usize) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for raw in text.split(|c: char| !c.is_alphanumeric()) {
        let word = normalise(raw);
        if word.chars().count() < MIN_WORD_CHARS || !seen.insert(word.clone()) {
            continue;
        }
        out.push(word);
        if out.len() == limit {
            break;
        }
    }
    out
}

/// The words a text is indexed by.
pub fn words(text: &str) -> Vec<String> {
    words_limited(text, MAX_WORDS)
}

/// Whether `text` still holds every one of `wanted` (normalised words): how a hit from the
/// index is checked against the ticket as it is now.
pub fn contains_all(text: &str, wanted: &[String]) -> bool {
    let have: BTreeSet<String> = words_limited(text, usize::MAX).into_iter().collect();
    wanted.iter().all(|w| have.contains(w))
}

/// What a search asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SearchQuery {
    /// `HD-1042` (or `hd1042`, `#1042`, `1042`): that ticket.
    Number(TicketNumber),
    /// A requester's email address, exactly.
    Email(EmailAddress),
    /// Words, all of which the subject (or the requester's name) must contain.
    Words(Vec<String>),
}

impl SearchQuery {
    /// `None` when the text holds nothing to look for.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        if text.contains('@')
            && let Ok(email) = EmailAddress::parse(text)
        {
            return Some(Self::Email(email));
        }
        if let Some(number) = ticket_number(text) {
            return Some(Self::Number(number));
        }
        let words = words_limited(text, MAX_QUERY_WORDS);
        (!words.is_empty()).then_some(Self::Words(words))
    }
}

fn ticket_number(text: &str) -> Option<TicketNumber> {
    let lower = text.to_ascii_lowercase();
    let digits = lower
        .strip_prefix("hd-")
        .or_else(|| lower.strip_prefix("hd"))
        .or_else(|| lower.strip_prefix('#'))
        .unwrap_or(&lower);
    if digits.is_empty() || digits.len() > 12 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().map(TicketNumber::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_lower_case_without_diacritics() {
        assert_eq!(words("Pokladna nefunguje!"), ["pokladna", "nefunguje"]);
        assert_eq!(words("Pokládna – ÚČET, účet"), ["pokladna", "ucet"]);
        assert_eq!(words("Árvíztűrő tükörfúrógép"), ["arvizturo", "tukorfurogep"]);
        assert_eq!(words("Straße a b"), ["strasse"]);
    }

    #[test]
    fn a_long_subject_gives_at_most_the_limit() {
        let subject = (0..40).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(words(&subject).len(), MAX_WORDS);
    }

    #[test]
    fn a_hit_is_checked_against_the_text_as_it_is() {
        let wanted = words("pokladna");
        assert!(contains_all("Pokladna v Brně", &wanted));
        assert!(!contains_all("Tiskárna v Brně", &wanted));
    }

    #[test]
    fn queries_are_numbers_emails_or_words() {
        for text in ["HD-1042", "hd1042", "#1042", " 1042 "] {
            assert_eq!(
                SearchQuery::parse(text),
                Some(SearchQuery::Number(TicketNumber::new(1042))),
                "{text}"
            );
        }
        assert!(matches!(
            SearchQuery::parse("Jana@Example.cz"),
            Some(SearchQuery::Email(_))
        ));
        assert_eq!(
            SearchQuery::parse("Pokládna Brno"),
            Some(SearchQuery::Words(vec!["pokladna".into(), "brno".into()]))
        );
        assert_eq!(SearchQuery::parse(" - "), None);
    }
}
