//! API tokens and roles: tokens are random secrets shown once; only their SHA-256 is stored.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use sha2::{Digest, Sha256};

use crate::catalog::entity::api_token;
use crate::catalog::CatalogError;

/// What a token may do; each role includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum, async_graphql::Enum)]
pub enum Role {
    /// Queries (when queries need a token).
    Reader,
    /// Also creates, updates and deletes events.
    Editor,
    /// Also changes the taxonomy and manages tokens.
    Admin,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reader => "reader",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    fn parse(text: &str) -> Option<Role> {
        match text {
            "reader" => Some(Role::Reader),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling, as far as the request's `Authorization` header tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// No token.
    Anonymous,
    /// A token that is unknown or revoked.
    Invalid,
    /// A valid token with its role.
    Token(Role),
}

/// The hex SHA-256 of a secret.
pub fn hash_token(secret: &str) -> String {
    Sha256::digest(secret.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Creates a token and returns its secret, which is never stored.
pub async fn create_token(db: &DatabaseConnection, role: Role, name: Option<String>) -> Result<String, CatalogError> {
    let secret = format!("cvn_{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    let row = api_token::ActiveModel {
        id: NotSet,
        token_hash: Set(hash_token(&secret)),
        role: Set(role.as_str().to_string()),
        name: Set(name),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    };
    row.insert(db).await?;
    Ok(secret)
}

/// Every token, oldest first (hashes only).
pub async fn list_tokens(db: &DatabaseConnection) -> Result<Vec<api_token::Model>, CatalogError> {
    Ok(api_token::Entity::find().order_by_asc(api_token::Column::Id).all(db).await?)
}

/// Revokes a token by id; `NotFound` when there is no such live token.
pub async fn revoke_token(db: &DatabaseConnection, id: i64) -> Result<(), CatalogError> {
    let token = api_token::Entity::find_by_id(id)
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or_else(|| CatalogError::NotFound(format!("token {id}")))?;
    let mut row: api_token::ActiveModel = token.into();
    row.revoked_at = Set(Some(Utc::now()));
    row.update(db).await?;
    Ok(())
}

/// How long a looked-up token is trusted before it is looked up again (so a revocation takes
/// effect within this time on every replica).
const CACHE_TTL: Duration = Duration::from_secs(10);

/// Resolves bearer tokens to principals, caching answers briefly.
#[derive(Debug, Clone)]
pub struct Authenticator {
    db: DatabaseConnection,
    cache: Arc<Mutex<HashMap<String, (Principal, Instant)>>>,
}

impl Authenticator {
    /// An authenticator over the token table.
    pub fn new(db: DatabaseConnection) -> Self {
        Authenticator { db, cache: Arc::default() }
    }

    /// The principal behind an `Authorization` header value (or its absence).
    pub async fn principal(&self, authorization: Option<&str>) -> Result<Principal, CatalogError> {
        let Some(header) = authorization.map(str::trim).filter(|header| !header.is_empty()) else {
            return Ok(Principal::Anonymous);
        };
        let Some(secret) = header.strip_prefix("Bearer ").or_else(|| header.strip_prefix("bearer ")) else {
            return Ok(Principal::Invalid);
        };
        let hash = hash_token(secret.trim());
        if let Some((principal, at)) = self.cache.lock().expect("token cache").get(&hash) {
            if at.elapsed() < CACHE_TTL {
                return Ok(*principal);
            }
        }
        let token = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash.clone()))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?;
        let principal =
            token.and_then(|token| Role::parse(&token.role)).map(Principal::Token).unwrap_or(Principal::Invalid);
        let mut cache = self.cache.lock().expect("token cache");
        if cache.len() > 10_000 {
            cache.clear();
        }
        cache.insert(hash, (principal, Instant::now()));
        Ok(principal)
    }
}
