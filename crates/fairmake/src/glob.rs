//! Wildcard matching over bytes (placeholder).
