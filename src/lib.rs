//! Convene
