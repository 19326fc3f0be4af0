//! The points rules: a change is a non-zero amount of bounded size, a
//! consumption never takes the balance below zero, and every change is the
//! next entry of the user's log, numbered overall and per kind.

use super::models::{PointKind, PointTotals};

/// The code of the legacy points among a user's currencies (v1).
pub const POINTS_CURRENCY: &str = "points";

/// Largest single change, so balances stay far from overflow.
pub const MAX_CHANGE: i64 = 1_000_000_000_000;

/// Why a change is refused by the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PointRuleError {
    #[error("the change must be a non-zero amount of at most {MAX_CHANGE} points")]
    InvalidAmount,
    #[error("the balance is {balance}, less than the {needed} points to consume")]
    InsufficientBalance { balance: i64, needed: i64 },
}

/// One change applied to the totals it was computed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointChange {
    pub kind: PointKind,
    /// The balance after the change.
    pub balance: i64,
    /// The entry's number in the whole log, which is the new entry count.
    pub sequence: u64,
    /// The entry's number among entries of its kind.
    pub kind_count: u64,
}

/// Whether `amount` may be a change at all, whatever the balance.
pub fn check_amount(amount: i64) -> Result<(), PointRuleError> {
    if amount == 0 || amount.abs() > MAX_CHANGE {
        return Err(PointRuleError::InvalidAmount);
    }
    Ok(())
}

/// The change `amount` (negative to consume) makes to `totals`.
pub fn change(totals: PointTotals, amount: i64) -> Result<PointChange, PointRuleError> {
    check_amount(amount)?;
    let balance = totals.point_balance + amount;
    if balance < 0 {
        return Err(PointRuleError::InsufficientBalance {
            balance: totals.point_balance,
            needed: -amount,
        });
    }
    let (kind, kind_count) = if amount > 0 {
        (PointKind::Recharge, totals.point_recharges + 1)
    } else {
        (PointKind::Consume, totals.point_consumptions + 1)
    };
    Ok(PointChange {
        kind,
        balance,
        sequence: totals.point_entries + 1,
        kind_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_number_entries_overall_and_per_kind() {
        let totals = PointTotals {
            point_balance: 10,
            point_entries: 3,
            point_recharges: 2,
            point_consumptions: 1,
        };
        let consume = change(totals, -10).unwrap();
        assert_eq!(
            (
                consume.kind,
                consume.balance,
                consume.sequence,
                consume.kind_count
            ),
            (PointKind::Consume, 0, 4, 2)
        );
        let recharge = change(totals, 5).unwrap();
        assert_eq!(
            (recharge.kind, recharge.balance, recharge.kind_count),
            (PointKind::Recharge, 15, 3)
        );
        assert_eq!(
            change(totals, -11),
            Err(PointRuleError::InsufficientBalance {
                balance: 10,
                needed: 11
            })
        );
        assert_eq!(change(totals, 0), Err(PointRuleError::InvalidAmount));
        assert_eq!(change(totals, MAX_CHANGE + 1), Err(PointRuleError::InvalidAmount));
    }
}
