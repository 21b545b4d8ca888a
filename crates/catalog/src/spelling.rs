//! Actions as the catalog spells them (`s3:GetObject`): the canonical form lowercases actions so
//! that comparisons ignore case, which reads badly when printed. Patterns and unknown names are
//! kept as written.

use warden_policy::diff::ElementChanges;
use warden_policy::{ActionClause, PolicyDiff, PolicyDocument, Statement};

use crate::catalog::Catalog;

impl Catalog {
    /// `name` in the catalog's spelling when it is a known action, else unchanged.
    pub fn spelling(&self, name: &str) -> String {
        match self.action(name) {
            Ok(action) => action.full_name(),
            Err(_) => name.to_string(),
        }
    }

    /// Every action of the document in the catalog's spelling.
    pub fn respell_document(&self, document: &mut PolicyDocument) {
        for statement in &mut document.statements {
            self.respell_statement(statement);
        }
    }

    /// The difference with every action named as the catalog spells it, for printing.
    pub fn respell_diff(&self, mut diff: PolicyDiff) -> PolicyDiff {
        self.respell_changes(&mut diff.allow);
        self.respell_changes(&mut diff.deny);
        for change in &mut diff.statements_modified {
            self.respell_changes(&mut change.changes);
            self.respell_statement(&mut change.before);
            self.respell_statement(&mut change.after);
        }
        for statement in diff
            .statements_added
            .iter_mut()
            .chain(diff.statements_removed.iter_mut())
        {
            self.respell_statement(statement);
        }
        diff
    }

    fn respell_statement(&self, statement: &mut Statement) {
        let (ActionClause::Action(values) | ActionClause::NotAction(values)) =
            &mut statement.action;
        for item in &mut values.items {
            *item = self.spelling(item);
        }
    }

    fn respell_changes(&self, changes: &mut ElementChanges) {
        for name in changes
            .actions_gained
            .iter_mut()
            .chain(changes.actions_lost.iter_mut())
        {
            *name = self.spelling(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical form compares case-insensitively; what is printed uses the catalog's
    /// spelling (it used to print `s3:putobject`).
    #[test]
    fn printed_actions_take_the_catalog_spelling() {
        let catalog = Catalog::embedded();
        let old = warden_policy::parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["s3:getobject","ec2:describe*"],"Resource":"*"}}"#,
        )
        .unwrap();
        let new = warden_policy::parse_policy(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["S3:GETOBJECT","s3:putobject","x:unknownthing"],"Resource":"*"}}"#,
        )
        .unwrap();
        let changes = catalog.respell_diff(warden_policy::diff(&old, &new));
        assert_eq!(
            changes.allow.actions_gained,
            ["s3:PutObject", "x:unknownthing"]
        );
        assert_eq!(changes.allow.actions_lost, ["ec2:describe*"]);
        assert!(changes.to_string().contains("`s3:PutObject`"), "{changes}");
        let mut canonical = new.canonicalize();
        catalog.respell_document(&mut canonical);
        let ActionClause::Action(values) = &canonical.statements[0].action else {
            panic!("expected Action");
        };
        assert_eq!(
            values.items,
            ["s3:GetObject", "s3:PutObject", "x:unknownthing"]
        );
    }
}
