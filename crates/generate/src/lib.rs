//! Least-privilege policy generation from declared intent and from CloudTrail activity.
