//! `/api/v1/docs`: the API reference as a plain page, rendered on the server from the OpenAPI
//! document itself (no script, no assets fetched), so it says what the document says.

use actix_web::HttpResponse;
use askama::Template;
use serde_json::Value;

use super::openapi::spec;
use crate::error::AppError;
use crate::routes::layout::Layout;
use crate::routes::render;

struct Param {
    name: String,
    place: String,
    required: bool,
    description: String,
}

struct Reply {
    status: String,
    description: String,
}

struct Op {
    anchor: String,
    method: String,
    path: String,
    summary: String,
    description: String,
    scope: String,
    params: Vec<Param>,
    body: String,
    replies: Vec<Reply>,
}

struct Schema {
    name: String,
    fields: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "api/docs.html")]
struct DocsPage {
    layout: Layout,
    title: String,
    intro: String,
    ops: Vec<Op>,
    schemas: Vec<Schema>,
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_owned()
}

fn type_of(v: &Value) -> String {
    if let Some(r) = v.get("$ref").and_then(Value::as_str) {
        return r.rsplit('/').next().unwrap_or(r).to_owned();
    }
    if let Some(any) = v.get("oneOf").and_then(Value::as_array) {
        return any.iter().map(type_of).collect::<Vec<_>>().join(" or ");
    }
    match v.get("type") {
        Some(Value::String(t)) if t == "array" => {
            format!("array of {}", v.get("items").map_or(String::new(), type_of))
        }
        Some(Value::String(t)) => match v.get("format").and_then(Value::as_str) {
            Some(f) => format!("{t} ({f})"),
            None => t.clone(),
        },
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => "object".into(),
    }
}

fn ops(doc: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        for method in ["get", "put", "post", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let params = op
                .get("parameters")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| Param {
                            name: text(p, "name"),
                            place: text(p, "in"),
                            required: p.get("required").and_then(Value::as_bool) == Some(true),
                            description: text(p, "description"),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let body = op
                .pointer("/requestBody/content/application~1json/schema")
                .map(type_of)
                .unwrap_or_default();
            let replies = op
                .get("responses")
                .and_then(Value::as_object)
                .map(|rs| {
                    rs.iter()
                        .map(|(status, r)| {
                            let schema = r
                                .pointer("/content/application~1json/schema")
                                .map(type_of)
                                .unwrap_or_default();
                            let mut description = text(r, "description");
                            if !schema.is_empty() {
                                description = format!("{description} ({schema})");
                            }
                            Reply {
                                status: status.clone(),
                                description,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            let scope = op
                .pointer("/security/0/bearer/0")
                .and_then(Value::as_str)
                .unwrap_or("none (public)")
                .to_owned();
            out.push(Op {
                anchor: format!("{method}-{}", path.replace(['/', '{', '}'], "-")),
                method: method.to_uppercase(),
                path: path.clone(),
                summary: text(op, "summary"),
                description: text(op, "description"),
                scope,
                params,
                body,
                replies,
            });
        }
    }
    out
}

fn schemas(doc: &Value) -> Vec<Schema> {
    let Some(all) = doc
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    all.iter()
        .map(|(name, s)| Schema {
            name: name.clone(),
            fields: s
                .get("properties")
                .and_then(Value::as_object)
                .map(|props| {
                    props
                        .iter()
                        .map(|(f, p)| (f.clone(), type_of(p), text(p, "description")))
                        .collect()
                })
                .unwrap_or_default(),
        })
        .collect()
}

/// This reference page (no token needed).
#[utoipa::path(get, path = "/api/v1/docs", operation_id = "reference_page", tag = "reference",
    responses((status = 200, description = "The API reference as an HTML page", content_type = "text/html")))]
pub async fn page() -> Result<HttpResponse, AppError> {
    let doc = serde_json::to_value(spec()).map_err(AppError::internal)?;
    render(&DocsPage {
        layout: Layout::anonymous(String::new()),
        title: doc
            .pointer("/info/title")
            .and_then(Value::as_str)
            .unwrap_or("API")
            .to_owned(),
        intro: doc
            .pointer("/info/description")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned(),
        ops: ops(&doc),
        schemas: schemas(&doc),
    })
}
