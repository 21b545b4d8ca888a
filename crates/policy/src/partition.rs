//! AWS partitions (`aws`, `aws-cn`, `aws-us-gov`, the ISO partitions, `aws-eusc`) and the
//! partition a region belongs to.

use std::fmt;
use std::str::FromStr;

use crate::err::PartitionError;

/// An AWS partition: the first segment of every ARN (`arn:aws-cn:iam::…`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Partition {
    /// The commercial regions.
    #[default]
    Aws,
    /// China (Beijing, Ningxia).
    AwsCn,
    /// AWS GovCloud (US).
    AwsUsGov,
    /// US ISO (C2S).
    AwsIso,
    /// US ISOB (SC2S).
    AwsIsoB,
    /// EU ISOE.
    AwsIsoE,
    /// US ISOF.
    AwsIsoF,
    /// AWS European Sovereign Cloud.
    AwsEusc,
}

/// Region name prefixes per partition, from the `regionRegex` of each partition in the SDKs'
/// `partitions.json` (aws-sdk-js-v3 `packages/util-endpoints/src/lib/aws/partitions.json`):
/// `^cn\-\w+\-\d+$`, `^us\-gov\-\w+\-\d+$`, `^us\-iso\-\w+\-\d+$`, `^us\-isob\-\w+\-\d+$`,
/// `^eu\-isoe\-\w+\-\d+$`, `^us\-isof\-\w+\-\d+$`, `^eusc\-(de)\-\w+\-\d+$`.
/// See also https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-arns.html
const REGION_PREFIXES: [(&str, Partition); 7] = [
    ("cn-", Partition::AwsCn),
    ("us-gov-", Partition::AwsUsGov),
    ("us-iso-", Partition::AwsIso),
    ("us-isob-", Partition::AwsIsoB),
    ("eu-isoe-", Partition::AwsIsoE),
    ("us-isof-", Partition::AwsIsoF),
    ("eusc-", Partition::AwsEusc),
];

impl Partition {
    /// Every partition, commercial first.
    pub const ALL: [Partition; 8] = [
        Partition::Aws,
        Partition::AwsCn,
        Partition::AwsUsGov,
        Partition::AwsIso,
        Partition::AwsIsoB,
        Partition::AwsIsoE,
        Partition::AwsIsoF,
        Partition::AwsEusc,
    ];

    /// The partition of `region` (`cn-north-1` → `aws-cn`). Regions that match no other
    /// partition are commercial, as the SDKs' endpoint resolution falls back to `aws`.
    pub fn for_region(region: &str) -> Partition {
        REGION_PREFIXES
            .iter()
            .find(|(prefix, _)| region.starts_with(prefix))
            .map_or(Partition::Aws, |(_, partition)| *partition)
    }

    /// The name as written in ARNs.
    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
            Partition::AwsIso => "aws-iso",
            Partition::AwsIsoB => "aws-iso-b",
            Partition::AwsIsoE => "aws-iso-e",
            Partition::AwsIsoF => "aws-iso-f",
            Partition::AwsEusc => "aws-eusc",
        }
    }

    /// Parses a partition name (`aws-us-gov`).
    pub fn parse(name: &str) -> Result<Partition, PartitionError> {
        Partition::ALL
            .into_iter()
            .find(|partition| partition.as_str() == name)
            .ok_or_else(|| PartitionError::Unknown { name: name.into() })
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Partition {
    type Err = PartitionError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Partition::parse(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_map_to_their_partition() {
        for (region, partition) in [
            ("us-east-1", "aws"),
            ("eu-west-1", "aws"),
            ("il-central-1", "aws"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-gov-west-1", "aws-us-gov"),
            ("us-gov-east-1", "aws-us-gov"),
            ("us-iso-east-1", "aws-iso"),
            ("us-iso-west-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("us-isof-east-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(
                Partition::for_region(region).as_str(),
                partition,
                "{region}"
            );
        }
    }

    #[test]
    fn names_round_trip() {
        for partition in Partition::ALL {
            assert_eq!(Partition::parse(partition.as_str()), Ok(partition));
            assert_eq!(partition.to_string().parse::<Partition>(), Ok(partition));
        }
        let err = Partition::parse("aws-mars").unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown partition `aws-mars`, expected one of `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`, `aws-iso-e`, `aws-iso-f`, `aws-eusc`"
        );
    }
}
