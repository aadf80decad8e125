//! The seed corpus: one operation per root field of the committed
//! `schema.graphql` (queries, mutations, subscriptions), every argument
//! given a value of its type, and a selection two levels deep; plus the
//! standard introspection query.

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use std::collections::HashMap;

struct Sdl {
    types: HashMap<String, TypeKind>,
}

pub fn operations() -> Vec<String> {
    let text = include_str!("../../schema.graphql");
    let document = async_graphql::parser::parse_schema(text).expect("schema.graphql parses");
    let mut types = HashMap::new();
    let mut roots = Vec::new();
    for definition in document.definitions {
        match definition {
            TypeSystemDefinition::Type(t) => {
                let t = t.node;
                types.insert(t.name.node.to_string(), t.kind);
            }
            TypeSystemDefinition::Schema(s) => {
                let s = s.node;
                for (keyword, name) in [
                    ("query", s.query),
                    ("mutation", s.mutation),
                    ("subscription", s.subscription),
                ] {
                    if let Some(name) = name {
                        roots.push((keyword, name.node.to_string()));
                    }
                }
            }
            TypeSystemDefinition::Directive(_) => {}
        }
    }
    let sdl = Sdl { types };
    let mut operations = vec![include_str!("../fixtures/introspection.graphql").to_owned()];
    for (keyword, root) in roots {
        let Some(TypeKind::Object(object)) = sdl.types.get(&root) else {
            continue;
        };
        for field in &object.fields {
            let field = &field.node;
            let arguments = sdl.arguments(&field.arguments, 3);
            let selection = sdl.selection(&field.ty.node, 2);
            operations.push(format!(
                "{keyword} {{ {}{arguments}{selection} }}",
                field.name.node
            ));
        }
    }
    operations
}

fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl Sdl {
    fn arguments(
        &self,
        arguments: &[async_graphql::Positioned<
            async_graphql::parser::types::InputValueDefinition,
        >],
        depth: usize,
    ) -> String {
        if arguments.is_empty() {
            return String::new();
        }
        let given: Vec<String> = arguments
            .iter()
            .map(|a| {
                format!(
                    "{}: {}",
                    a.node.name.node,
                    self.value(&a.node.ty.node, depth)
                )
            })
            .collect();
        format!("({})", given.join(", "))
    }

    fn value(&self, ty: &Type, depth: usize) -> String {
        match &ty.base {
            BaseType::List(inner) => format!("[{}]", self.value(inner, depth)),
            BaseType::Named(name) => match name.as_str() {
                "Int" => "2".into(),
                "Float" => "1.5".into(),
                "String" => "\"fuzz\"".into(),
                "Boolean" => "true".into(),
                "ID" => "\"1\"".into(),
                "DateTime" => "\"2026-01-05T10:00:00Z\"".into(),
                "JSON" => "{page: \"/home\"}".into(),
                other => match self.types.get(other) {
                    Some(TypeKind::Enum(e)) => e
                        .values
                        .first()
                        .map(|v| v.node.value.node.to_string())
                        .unwrap_or_default(),
                    Some(TypeKind::InputObject(input)) if depth > 0 => {
                        let fields: Vec<String> = input
                            .fields
                            .iter()
                            .map(|f| {
                                format!(
                                    "{}: {}",
                                    f.node.name.node,
                                    self.value(&f.node.ty.node, depth - 1)
                                )
                            })
                            .collect();
                        format!("{{{}}}", fields.join(", "))
                    }
                    _ => "null".into(),
                },
            },
        }
    }

    /// ` { ... }` for an output type with fields, empty for a leaf.
    fn selection(&self, ty: &Type, depth: usize) -> String {
        let fields = match self.types.get(named(ty)) {
            Some(TypeKind::Object(o)) => &o.fields,
            Some(TypeKind::Interface(i)) => &i.fields,
            Some(TypeKind::Union(u)) => {
                let members: Vec<String> = u
                    .members
                    .iter()
                    .map(|m| format!("... on {} {{ __typename }}", m.node))
                    .collect();
                return format!(" {{ __typename {} }}", members.join(" "));
            }
            _ => return String::new(),
        };
        let mut chosen = vec!["__typename".to_owned()];
        for field in fields {
            let field = &field.node;
            let leaf = self.selection(&field.ty.node, 0).is_empty();
            let required = field.arguments.iter().any(|a| !a.node.ty.node.nullable);
            if required && depth == 0 {
                continue;
            }
            if leaf {
                chosen.push(field.name.node.to_string());
            } else if depth > 0 {
                let arguments = self.arguments(&field.arguments, 2);
                let inner = self.selection(&field.ty.node, depth - 1);
                if inner.is_empty() {
                    continue;
                }
                chosen.push(format!("{}{arguments}{inner}", field.name.node));
            }
        }
        format!(" {{ {} }}", chosen.join(" "))
    }
}
