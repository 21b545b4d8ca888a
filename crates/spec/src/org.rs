//! The organization as Warden sees it: accounts, OUs and tags. Filled by the AWS adapter (or a
//! fixture), consumed by targeting and rendering. Pure data.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `o-…`
    pub id: String,
    pub management_account_id: String,
    /// The root id, `r-…`.
    pub root_id: String,
    pub accounts: Vec<Account>,
    pub organizational_units: Vec<OrganizationalUnit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub status: AccountStatus,
    /// Id of the parent: the root (`r-…`) or an OU (`ou-…`).
    pub parent_id: String,
    /// Path of names from the root, e.g. `Root/Workloads/Prod` (`Root` for accounts at the root).
    pub ou_path: String,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    Active,
    Suspended,
    PendingClosure,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrganizationalUnit {
    /// `ou-…`
    pub id: String,
    pub name: String,
    pub parent_id: String,
    /// e.g. `Root/Workloads/Prod`.
    pub path: String,
}

impl Organization {
    pub fn account(&self, id: &str) -> Option<&Account> {
        self.accounts.iter().find(|account| account.id == id)
    }

    /// Ids from the root down to the account's parent: the levels whose SCPs apply.
    pub fn ancestry(&self, account_id: &str) -> Vec<String> {
        let mut chain = Vec::new();
        let Some(account) = self.account(account_id) else {
            return chain;
        };
        let mut parent = account.parent_id.clone();
        while parent != self.root_id {
            chain.push(parent.clone());
            match self.organizational_units.iter().find(|ou| ou.id == parent) {
                Some(ou) => parent = ou.parent_id.clone(),
                None => break,
            }
        }
        chain.push(self.root_id.clone());
        chain.reverse();
        chain
    }
}
