//! Embedded AWS service authorization reference: actions, access levels, resource types and condition keys.
