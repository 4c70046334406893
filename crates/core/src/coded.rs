//! Enums written in files by a code (`"field_count"`, `"applied"`): one macro gives each its
//! list of values in order (`ALL`), its code (`as_str`) and the value a code names (`parse`),
//! so the code is written once per variant.

/// Declares an enum whose variants each carry their code:
///
/// ```text
/// coded_enum! {
///     /// Where a decision stands tonight.
///     #[derive(Clone, Copy, Debug, PartialEq, Eq)]
///     pub enum Status {
///         /// Imported, not yet checked.
///         New = "new",
///         Applied = "applied",
///     }
/// }
/// ```
///
/// Exported for the engine's enums (`decisions::Status`); the core uses it in place.
#[macro_export]
macro_rules! coded_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal, )+
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The code written in files and outputs.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value whose code [`Self::as_str`] wrote.
            pub fn parse(code: &str) -> Option<$name> {
                $name::ALL.into_iter().find(|x| x.as_str() == code)
            }
        }
    };
}
