//! BILOU labels over the four CoNLL entity types, and conversion from IOB tags.

/// Entity types the tagger knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Person,
    Organisation,
    Place,
    Misc,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::Person, Kind::Organisation, Kind::Place, Kind::Misc];

    /// The CoNLL tag name.
    pub fn conll(self) -> &'static str {
        match self {
            Kind::Person => "PER",
            Kind::Organisation => "ORG",
            Kind::Place => "LOC",
            Kind::Misc => "MISC",
        }
    }

    pub fn from_conll(tag: &str) -> Option<Kind> {
        Some(match tag.to_ascii_uppercase().as_str() {
            "PER" | "PERSON" => Kind::Person,
            "ORG" | "ORGANIZATION" | "ORGANISATION" => Kind::Organisation,
            "LOC" | "LOCATION" | "GPE" | "GEO" => Kind::Place,
            "MISC" => Kind::Misc,
            _ => return None,
        })
    }

    pub fn index(self) -> u8 {
        self as u8
    }
}

/// Number of labels: O plus B, I, L, U for each kind.
pub const LABELS: usize = 17;

/// A BILOU label: 0 is O; 1 + 4·kind + {B=0, I=1, L=2, U=3}.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Label(pub u8);

/// Where in an entity a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Begin,
    Inside,
    Last,
    Unit,
}

impl Label {
    pub const OUTSIDE: Label = Label(0);
    /// The label before a sentence starts.
    pub const START: Label = Label(0);

    pub fn new(kind: Kind, place: Place) -> Label {
        Label(1 + 4 * kind.index() + place as u8)
    }

    pub fn kind(self) -> Option<Kind> {
        (self.0 > 0).then(|| Kind::ALL[usize::from((self.0 - 1) / 4)])
    }

    pub fn place(self) -> Option<Place> {
        (self.0 > 0).then(|| {
            [Place::Begin, Place::Inside, Place::Last, Place::Unit][usize::from((self.0 - 1) % 4)]
        })
    }

    /// Whether `self` may follow `prev` in a well-formed BILOU sequence.
    pub fn may_follow(self, prev: Label) -> bool {
        match prev.place() {
            Some(Place::Begin | Place::Inside) => {
                self.kind() == prev.kind()
                    && matches!(self.place(), Some(Place::Inside | Place::Last))
            }
            _ => !matches!(self.place(), Some(Place::Inside | Place::Last)),
        }
    }
}

/// Entity spans (start, end exclusive, kind) from BILOU labels; malformed runs are closed leniently.
pub fn spans(labels: &[Label]) -> Vec<(usize, usize, Kind)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Kind)> = None;
    for (i, l) in labels.iter().enumerate() {
        match (l.kind(), l.place()) {
            (Some(k), Some(Place::Unit)) => {
                if let Some((s, ok)) = open.take() {
                    out.push((s, i, ok));
                }
                out.push((i, i + 1, k));
            }
            (Some(k), Some(Place::Begin)) => {
                if let Some((s, ok)) = open.take() {
                    out.push((s, i, ok));
                }
                open = Some((i, k));
            }
            (Some(k), Some(Place::Inside)) => {
                if open.is_none_or(|(_, ok)| ok != k) {
                    if let Some((s, ok)) = open.take() {
                        out.push((s, i, ok));
                    }
                    open = Some((i, k));
                }
            }
            (Some(k), Some(Place::Last)) => match open.take() {
                Some((s, ok)) if ok == k => out.push((s, i + 1, k)),
                Some((s, ok)) => {
                    out.push((s, i, ok));
                    out.push((i, i + 1, k));
                }
                None => out.push((i, i + 1, k)),
            },
            _ => {
                if let Some((s, ok)) = open.take() {
                    out.push((s, i, ok));
                }
            }
        }
    }
    if let Some((s, k)) = open {
        out.push((s, labels.len(), k));
    }
    out
}

/// BILOU labels for entity spans over `n` tokens.
pub fn from_spans(n: usize, spans: &[(usize, usize, Kind)]) -> Vec<Label> {
    let mut labels = vec![Label::OUTSIDE; n];
    for &(s, e, k) in spans {
        if e == s + 1 {
            labels[s] = Label::new(k, Place::Unit);
        } else {
            labels[s] = Label::new(k, Place::Begin);
            for l in labels.iter_mut().take(e - 1).skip(s + 1) {
                *l = Label::new(k, Place::Inside);
            }
            labels[e - 1] = Label::new(k, Place::Last);
        }
    }
    labels
}

/// Entity spans from IOB tags (IOB1 or IOB2, as conlleval reads them): a chunk starts at B-X,
/// or at I-X after O or after a chunk of another type.
pub fn iob_spans(tags: &[&str]) -> Vec<(usize, usize, Kind)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, Kind)> = None;
    for (i, tag) in tags.iter().enumerate() {
        let (prefix, kind) = match tag.split_once('-') {
            Some((p, t)) => (p, Kind::from_conll(t)),
            None => ("O", None),
        };
        let continues =
            prefix == "I" && kind.is_some() && open.is_some_and(|(_, k)| Some(k) == kind);
        if !continues {
            if let Some((s, k)) = open.take() {
                out.push((s, i, k));
            }
            if let Some(k) = kind {
                open = Some((i, k));
            }
        }
    }
    if let Some((s, k)) = open {
        out.push((s, tags.len(), k));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iob1_and_iob2_read_the_same_chunks() {
        let iob2 = ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG"];
        let iob1 = ["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"];
        let want = vec![
            (0, 2, Kind::Person),
            (3, 4, Kind::Place),
            (4, 5, Kind::Place),
            (5, 6, Kind::Organisation),
        ];
        assert_eq!(iob_spans(&iob2), want);
        assert_eq!(iob_spans(&iob1), want);
    }

    #[test]
    fn bilou_round_trips_spans() {
        let s = vec![
            (0, 3, Kind::Organisation),
            (4, 5, Kind::Person),
            (5, 7, Kind::Place),
        ];
        let labels = from_spans(8, &s);
        assert_eq!(spans(&labels), s);
        for w in labels.windows(2) {
            assert!(w[1].may_follow(w[0]));
        }
    }
}
