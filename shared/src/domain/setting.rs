//! App settings the operator names by a word (`apps set --qr-mode strict`):
//! each is an enum whose words are read from the command line and shown back.

/// `as_str` and `FromStr` for a setting's enum, from its variants' words;
/// `$what` names the setting in the refusal of an unknown word.
macro_rules! words {
    ($setting:ty, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $setting {
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word,)+
                }
            }
        }

        impl std::str::FromStr for $setting {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok(Self::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}: use {}",
                        $what,
                        [$($word),+].join(" or ")
                    )),
                }
            }
        }
    };
}

pub(crate) use words;
