//! Reading optional fields of a JSON body, with Discord's 400 50035
//! "Invalid Form Body" for a field of the wrong type.

use super::reply::Reply;
use serde_json::{Map, Value};

pub(super) fn optional_string(
    obj: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(Reply::invalid_form(field, "Must be a string.")),
    }
}

pub(super) fn optional_bool(obj: &Map<String, Value>, field: &str) -> Result<Option<bool>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(Reply::invalid_form(field, "Must be a boolean.")),
    }
}

pub(super) fn optional_object(
    obj: &Map<String, Value>,
    field: &str,
) -> Result<Option<Value>, Reply> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Object(_)) => Ok(Some(v.clone())),
        Some(_) => Err(Reply::invalid_form(field, "Must be an object.")),
    }
}
