//! Objects whose fields are all ready without waiting, resolved in one pass
//! over the selection set.
//!
//! async-graphql resolves every field of an object as a boxed future of its
//! own, polls them through a `FuturesUnordered` and merges each result into
//! the object by name. For a journey page that is about 750 futures for
//! values already in memory. [`ReadyList`] resolves a list of
//! [`ReadyFields`] objects in one synchronous walk instead, following the
//! same rules as async-graphql's `resolve_container`:
//! - fields in selection order, one entry per response key (alias), a later
//!   selection of the same key merged into the first;
//! - `__typename` is the concrete type;
//! - an inline fragment or named fragment applies when it has no type
//!   condition, or its condition is the concrete type or an interface the
//!   concrete type implements;
//! - a field that fails is reported (`add_error`, with its path) and left
//!   out of its object, as async-graphql does.
//!
//! `@skip` and `@include` were already applied to the document before
//! execution. Each leaf value still goes through its type's own
//! `OutputType::resolve`, so scalars and enums serialize exactly as they do
//! elsewhere. The GraphQL types themselves (registry, schema) are the derived
//! ones: [`ReadyList`] only changes how values are produced. The unit test
//! below resolves the same events both ways and compares the answers.
//!
//! `ContextBase::query_env` (for named fragments) is public but hidden in
//! async-graphql's docs; the version is pinned in `Cargo.lock`.

use async_graphql::context::{Context, ContextSelectionSet};
use async_graphql::indexmap::map::Entry;
use async_graphql::indexmap::{IndexMap, IndexSet};
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{Name, OutputType, Positioned, ServerError, ServerResult, Value};
use futures::FutureExt;
use std::borrow::Cow;
use std::future::Future;

/// An object whose fields are computed without waiting. Its concrete type
/// (what `__typename` answers) is its `introspection_type_name`.
pub trait ReadyFields: OutputType {
    /// The value of the field `ctx` names (never `__typename`), or `None`
    /// when the type has no such field.
    fn field(&self, ctx: &Context<'_>) -> Option<ServerResult<Value>>;
}

/// A list of ready objects, typed in the schema as `[T!]!`.
pub struct ReadyList<T>(pub Vec<T>);

impl<T: ReadyFields> OutputType for ReadyList<T> {
    fn type_name() -> Cow<'static, str> {
        Vec::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Vec::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Vec::<T>::create_type_info(registry)
    }

    fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> impl Future<Output = ServerResult<Value>> + Send {
        std::future::ready(resolve_list(ctx, &self.0))
    }
}

fn resolve_list<T: ReadyFields>(ctx: &ContextSelectionSet<'_>, items: &[T]) -> ServerResult<Value> {
    let mut values = Vec::with_capacity(items.len());
    for (idx, item) in items.iter().enumerate() {
        let ctx_idx = ctx.with_index(idx);
        values.push(resolve_object(&ctx_idx, item).map_err(|e| ctx_idx.set_error_path(e))?);
    }
    Ok(Value::List(values))
}

/// Resolves `object` for the selection set of `ctx`.
fn resolve_object<T: ReadyFields>(
    ctx: &ContextSelectionSet<'_>,
    object: &T,
) -> ServerResult<Value> {
    let concrete = object.introspection_type_name();
    let walk = Walk {
        object,
        concrete: &concrete,
        interfaces: ctx.schema_env.registry.implements.get(concrete.as_ref()),
    };
    let mut fields = IndexMap::with_capacity(ctx.item.node.items.len());
    walk.collect(ctx, ctx.item, &mut fields)?;
    Ok(if fields.is_empty() {
        Value::Null
    } else {
        Value::Object(fields)
    })
}

/// One object being resolved: the object, its concrete type and the
/// interfaces that type implements.
struct Walk<'w, T> {
    object: &'w T,
    concrete: &'w str,
    interfaces: Option<&'w IndexSet<String>>,
}

impl<T: ReadyFields> Walk<'_, T> {
    fn collect(
        &self,
        ctx: &ContextSelectionSet<'_>,
        selection_set: &Positioned<SelectionSet>,
        fields: &mut IndexMap<Name, Value>,
    ) -> ServerResult<()> {
        let ctx = ctx.with_selection_set(selection_set);
        for selection in &selection_set.node.items {
            let (condition, nested) = match &selection.node {
                Selection::Field(field) => {
                    let key = field.node.response_key().node.clone();
                    if field.node.name.node == "__typename" {
                        insert(fields, key, Value::String(self.concrete.to_owned()));
                        continue;
                    }
                    match self.object.field(&ctx.with_field(field)) {
                        Some(Ok(value)) => insert(fields, key, value),
                        Some(Err(error)) => ctx.add_error(error),
                        None => insert(fields, key, Value::Null),
                    }
                    continue;
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let fragment = ctx.query_env.fragments.get(name).ok_or_else(|| {
                        ServerError::new(format!(r#"Unknown fragment "{name}"."#), Some(spread.pos))
                    })?;
                    (
                        Some(&fragment.node.type_condition.node.on.node),
                        &fragment.node.selection_set,
                    )
                }
                Selection::InlineFragment(fragment) => (
                    fragment
                        .node
                        .type_condition
                        .as_ref()
                        .map(|condition| &condition.node.on.node),
                    &fragment.node.selection_set,
                ),
            };
            if condition.is_none_or(|on| self.applies(on)) {
                self.collect(&ctx, nested, fields)?;
            }
        }
        Ok(())
    }

    /// Whether a fragment on `condition` applies: it names the concrete
    /// type or one of its interfaces (a handful of names, scanned).
    fn applies(&self, condition: &str) -> bool {
        condition == self.concrete
            || self
                .interfaces
                .is_some_and(|names| names.iter().any(|name| name == condition))
    }
}

/// Adds a field to its object; a second selection of an object-valued key
/// merges into the first, as async-graphql does.
fn insert(fields: &mut IndexMap<Name, Value>, key: Name, value: Value) {
    let existing = match fields.entry(key) {
        Entry::Vacant(vacant) => {
            vacant.insert(value);
            return;
        }
        Entry::Occupied(occupied) => occupied.into_mut(),
    };
    match (existing, value) {
        (Value::Object(existing), Value::Object(more)) => {
            for (key, value) in more {
                insert(existing, key, value);
            }
        }
        (Value::List(existing), Value::List(more)) => {
            for (idx, value) in more.into_iter().enumerate() {
                if let (Some(Value::Object(target)), Value::Object(more)) =
                    (existing.get_mut(idx), value)
                {
                    for (key, value) in more {
                        insert(target, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}

/// A field's value from its resolver, which must complete at once, through
/// the value's own `OutputType`.
pub fn value_of<F>(ctx: &Context<'_>, resolver: F) -> ServerResult<Value>
where
    F: Future,
    F::Output: OutputType,
{
    let field = ctx.item;
    let ctx_value = ctx.with_selection_set(&field.node.selection_set);
    let waited = || {
        ServerError::new(
            "a ready field waited; this is a bug in journeygraph",
            Some(field.pos),
        )
    };
    let value = resolver.now_or_never().ok_or_else(waited)?;
    value
        .resolve(&ctx_value, field)
        .now_or_never()
        .ok_or_else(waited)?
}

/// A nested ready object as a field's value.
pub fn object_of<T: ReadyFields>(ctx: &Context<'_>, object: &T) -> ServerResult<Value> {
    resolve_object(
        &ctx.with_selection_set(&ctx.item.node.selection_set),
        object,
    )
}
