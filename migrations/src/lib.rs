//! mig
