//! One record of an ingest batch, parsed on its own. async-graphql parses
//! a list argument as a whole, so a record whose field fails to parse (a
//! DateTime that is not one, an Int over 2^31) failed the batch with a
//! message that named no record. Wrapped in `Item`, each record keeps its
//! parse error, and the batch is refused with the record's path
//! (`input[3]`), as validation refusals are. The schema is unchanged: an
//! `Item<T>` is `T` in the SDL.

use crate::error::AppError;
use async_graphql::registry::Registry;
use async_graphql::{InputType, InputValueResult, Pos, Value};
use std::borrow::Cow;

#[derive(Debug)]
pub struct Item<T>(Result<T, String>);

impl<T: InputType> InputType for Item<T> {
    type RawValueType = T::RawValueType;

    fn type_name() -> Cow<'static, str> {
        T::type_name()
    }

    fn qualified_type_name() -> String {
        T::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        T::create_type_info(registry)
    }

    fn parse(value: Option<Value>) -> InputValueResult<Self> {
        Ok(Item(
            T::parse(value).map_err(|e| e.into_server_error(Pos::default()).message),
        ))
    }

    fn to_value(&self) -> Value {
        match &self.0 {
            Ok(item) => item.to_value(),
            Err(_) => Value::Null,
        }
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        self.0.as_ref().ok().and_then(InputType::as_raw_value)
    }
}

/// The records of `argument`, or BAD_USER_INPUT naming the first that did
/// not parse (`input[3]`).
pub fn records<T, R: From<T>>(argument: &str, items: Vec<Item<T>>) -> Result<Vec<R>, AppError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            item.0
                .map(R::from)
                .map_err(|message| AppError::bad_input(format!("{argument}[{i}]"), message))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::InputType;
    use chrono::{DateTime, Utc};

    #[test]
    fn each_item_keeps_its_own_parse_error() {
        let value = Value::List(vec![
            Value::from("2026-01-01T00:00:00Z"),
            Value::from(12_345),
        ]);
        let items = <Vec<Item<DateTime<Utc>>>>::parse(Some(value)).expect("the list parses");
        let refused = records::<_, DateTime<Utc>>("input", items).expect_err("one is bad");
        let AppError::BadUserInput { path, .. } = refused else {
            panic!("bad input");
        };
        assert_eq!(path, "input[1]");
        assert_eq!(
            <Vec<Item<DateTime<Utc>>>>::qualified_type_name(),
            "[DateTime!]!"
        );
    }
}
