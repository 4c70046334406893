//! Synthetic populations and sector registers with ground truth.
