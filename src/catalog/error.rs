//! The catalogue's errors, split into the user's mistakes and our own failures.

use sea_orm::DbErr;

/// What can go wrong in a catalogue service.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The input names something that does not exist or breaks a rule; `field` says where.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The database failed; the cause is logged, never shown to users.
    #[error("database error")]
    Database(#[from] DbErr),
    /// Something else of ours failed (the search index, a task); logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl CatalogError {
    /// A user error about one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CatalogError::InvalidInput { field: field.into(), message: message.into() }
    }

    /// True when the caller, not the service, is at fault.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, CatalogError::Database(_) | CatalogError::Internal(_))
    }
}
