//! An app's currencies (v1 `UserCurrency`): the codes its operator lists,
//! always with the legacy points, and the rates at which a user may
//! exchange one for another. A rate `FROM:TO=N/M` gives M of TO for every
//! N of FROM; an exchange spends a multiple of N, so it converts exactly.

use serde::{Deserialize, Serialize};

use super::Error;
use super::points::{MAX_CHANGE, POINTS_CURRENCY};
use super::validate::Rule;

/// A currency's code.
pub const CODE: Rule = Rule {
    min: 1,
    max: 50,
    allowed: |c| c.is_ascii_alphanumeric() || "_-".contains(c),
    description: "letters, digits, _ and -",
};

/// Largest side of a rate, so `amount × M` stays far inside an i64.
pub const MAX_RATE_PART: i64 = 1_000_000;
/// At most this many codes per app: every balance list carries them all.
pub const MAX_CURRENCIES: usize = 50;

/// What a change to a balance is, as the transaction list names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransactionType {
    Recharge,
    Consume,
    Exchange,
}

impl TransactionType {
    pub fn parse(value: &str) -> Option<Self> {
        [Self::Recharge, Self::Consume, Self::Exchange]
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Recharge => "recharge",
            Self::Consume => "consume",
            Self::Exchange => "exchange",
        }
    }
}

/// An exchange rate: `get` of `to` for every `give` of `from`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRate {
    pub from: String,
    pub to: String,
    pub give: i64,
    pub get: i64,
}

impl ExchangeRate {
    /// `FROM:TO=N` or `FROM:TO=N/M` (N, M whole numbers 1 to `MAX_RATE_PART`).
    pub fn parse(text: &str) -> Result<Self, String> {
        let form = || format!("`{text}` is not FROM:TO=N or FROM:TO=N/M");
        let (pair, rate) = text.split_once('=').ok_or_else(form)?;
        let (from, to) = pair.split_once(':').ok_or_else(form)?;
        for code in [from, to] {
            CODE.check("currency", code)
                .map_err(|err| err.message().to_owned())?;
        }
        if from == to {
            return Err(format!("`{text}` exchanges a currency for itself"));
        }
        let (give, get) = rate.split_once('/').unwrap_or((rate, "1"));
        let part = |value: &str| match value.parse::<i64>() {
            Ok(part) if (1..=MAX_RATE_PART).contains(&part) => Ok(part),
            _ => Err(format!(
                "`{text}`: both sides of a rate are whole numbers from 1 to {MAX_RATE_PART}"
            )),
        };
        Ok(Self {
            from: from.to_owned(),
            to: to.to_owned(),
            give: part(give)?,
            get: part(get)?,
        })
    }

    /// What spending `amount` of `from` gives of `to`; refused unless it is
    /// a multiple of `give` (nothing is rounded) and the result is a change
    /// the rules allow.
    pub fn convert(&self, amount: i64) -> Result<i64, Error> {
        if amount <= 0 || amount > MAX_CHANGE {
            return Err(Error::invalid(format!(
                "Field `balance` must be a whole number from 1 to {MAX_CHANGE}."
            )));
        }
        if amount % self.give != 0 {
            return Err(Error::invalid(format!(
                "{} {} buy {} {}: exchange a multiple of {}; nothing is rounded.",
                self.give, self.from, self.get, self.to, self.give
            )));
        }
        let received = amount / self.give * self.get;
        if received > MAX_CHANGE {
            return Err(Error::invalid(format!(
                "This exchange would give more than {MAX_CHANGE} {}.",
                self.to
            )));
        }
        Ok(received)
    }
}

/// The operator's currencies of an app besides the points, in the order
/// added, and its exchange rates, one per (from, to).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppCurrencies {
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub rates: Vec<ExchangeRate>,
}

impl AppCurrencies {
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty() && self.rates.is_empty()
    }

    /// Every currency of the app, the points first.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(POINTS_CURRENCY).chain(self.codes.iter().map(String::as_str))
    }

    /// `code` as a currency of the app, or the 400 naming `field`.
    pub fn known<'a>(&self, field: &str, code: &'a str) -> Result<&'a str, Error> {
        if self.all().any(|known| known == code) {
            return Ok(code);
        }
        Err(Error::invalid(format!(
            "`{field}`: this app has no currency `{code}`; it has {}.",
            self.all().collect::<Vec<_>>().join(", ")
        )))
    }

    /// The rate from one known currency to another, or the 400 saying none is set.
    pub fn rate(&self, from: &str, to: &str) -> Result<&ExchangeRate, Error> {
        self.rates
            .iter()
            .find(|rate| rate.from == from && rate.to == to)
            .ok_or_else(|| Error::invalid(format!("This app sets no rate from {from} to {to}.")))
    }

    /// Adds `code` (a no-op for one already there).
    pub fn add(&mut self, code: &str) -> Result<(), String> {
        CODE.check("currency", code)
            .map_err(|err| err.message().to_owned())?;
        if self.all().any(|known| known == code) {
            return Ok(());
        }
        if self.codes.len() >= MAX_CURRENCIES {
            return Err(format!(
                "an app has at most {MAX_CURRENCIES} currencies besides the points"
            ));
        }
        self.codes.push(code.to_owned());
        Ok(())
    }

    /// Removes `code` and the rates that name it; the points stay.
    pub fn remove(&mut self, code: &str) -> Result<(), String> {
        if code == POINTS_CURRENCY {
            return Err(format!(
                "`{POINTS_CURRENCY}` are the legacy points, a currency of every app"
            ));
        }
        self.codes.retain(|known| known != code);
        self.rates.retain(|rate| rate.from != code && rate.to != code);
        Ok(())
    }

    /// Sets a rate between two of the app's currencies, replacing the one
    /// of the same pair.
    pub fn set_rate(&mut self, rate: ExchangeRate) -> Result<(), String> {
        for code in [&rate.from, &rate.to] {
            self.known("exchange-rate", code)
                .map_err(|err| err.message().to_owned())?;
        }
        self.rates
            .retain(|known| !(known.from == rate.from && known.to == rate.to));
        self.rates.push(rate);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_convert_exactly_or_refuse() {
        let rate = ExchangeRate::parse("points:gold=100").unwrap();
        assert_eq!((rate.give, rate.get), (100, 1));
        assert_eq!(rate.convert(300).unwrap(), 3);
        assert!(
            rate.convert(150)
                .unwrap_err()
                .message()
                .contains("multiple of 100")
        );
        for bad in [0, -100, MAX_CHANGE + 100] {
            assert!(rate.convert(bad).is_err(), "{bad}");
        }
        let rate = ExchangeRate::parse("gold:points=1/100").unwrap();
        assert_eq!(rate.convert(7).unwrap(), 700);
        let rate = ExchangeRate::parse("a:b=1/1000000").unwrap();
        assert!(rate.convert(MAX_CHANGE).is_err());
        for bad in [
            "points:gold",
            "points=1",
            "a:a=1",
            "a:b=0",
            "a:b=1/0",
            "a:b=x",
            "a b:c=1",
            "a:b=1000001",
        ] {
            assert!(ExchangeRate::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_points_are_always_a_currency() {
        let mut currencies = AppCurrencies::default();
        currencies.add("gold").unwrap();
        currencies.add("gold").unwrap();
        currencies.add(POINTS_CURRENCY).unwrap();
        assert_eq!(currencies.all().collect::<Vec<_>>(), ["points", "gold"]);
        currencies
            .set_rate(ExchangeRate::parse("points:gold=10").unwrap())
            .unwrap();
        assert!(
            currencies
                .set_rate(ExchangeRate::parse("points:silver=10").unwrap())
                .is_err()
        );
        assert_eq!(currencies.rate("points", "gold").unwrap().give, 10);
        assert!(currencies.rate("gold", "points").is_err());
        assert!(currencies.known("currency", "silver").is_err());
        assert!(currencies.remove(POINTS_CURRENCY).is_err());
        currencies.remove("gold").unwrap();
        assert!(currencies.is_empty());
        assert!(currencies.add("no spaces").is_err());
    }
}
