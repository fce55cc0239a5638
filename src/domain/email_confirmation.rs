use serde::{Deserialize, Serialize};

/// What confirming an address did (or, before the click, will do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EmailConfirmation {
    /// The account's address is proven to reach its owner.
    Verified,
    /// The account signs in with `new_email` from now on.
    Changed { new_email: String },
}
